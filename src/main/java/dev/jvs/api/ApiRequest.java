package dev.jvs.api;

import java.util.List;
import java.util.Map;

/**
 * One request as the routes see it: method, decoded path segments after /1.0, query parameters and
 * the body (already size-checked).
 */
record ApiRequest(String method, List<String> path, Map<String, String> query, byte[] body) {
  String segment(int i) {
    return i < path.size() ? path.get(i) : null;
  }

  int depth() {
    return path.size();
  }
}

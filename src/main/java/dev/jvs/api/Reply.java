package dev.jvs.api;

/** What a route answers: a status and a body (JSON-ready object, or text of {@code type}). */
record Reply(int status, Object body, String type) {
  static final String JSON = "application/json";

  static Reply json(Object body) {
    return new Reply(200, body, JSON);
  }

  static Reply json(int status, Object body) {
    return new Reply(status, body, JSON);
  }

  static Reply text(String body, String type) {
    return new Reply(200, body, type);
  }
}

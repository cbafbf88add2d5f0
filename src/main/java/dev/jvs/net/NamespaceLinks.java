package dev.jvs.net;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The links a network namespace holds, as `ip -o link show` inside it lists them. */
public final class NamespaceLinks {
  /** "2: eth0@if6: <…> … link/ether aa:bb:cc:dd:ee:ff brd …": its name and MAC, if any. */
  private static final Pattern LINE =
      Pattern.compile("^\\d+: ([^:@ ]+)[^:]*:.*?(?:link/ether ([0-9a-f:]{17})|$)");

  private NamespaceLinks() {}

  /**
   * The links of the network namespace of {@code pid}, by name, with their MAC ("" for one without
   * an Ethernet address, such as lo).
   */
  public static Map<String, String> of(long pid) {
    String out =
        NetTools.run("nsenter", "--net=/proc/" + pid + "/ns/net", "ip", "-o", "link", "show");
    return parse(out);
  }

  static Map<String, String> parse(String ipOutput) {
    Map<String, String> links = new LinkedHashMap<>();
    for (String line : ipOutput.split("\n")) {
      Matcher m = LINE.matcher(line);
      if (m.find()) {
        links.put(m.group(1), m.group(2) == null ? "" : m.group(2));
      }
    }
    return links;
  }
}

package dev.jvs.guest.config;

import java.util.ArrayList;
import java.util.List;

/** Shell-like words for command values in guest.conf: spaces separate, quotes group, \ escapes. */
public final class CommandLine {
  private CommandLine() {}

  public static List<String> split(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < text.length()) {
          word.append(text.charAt(++i));
        } else {
          word.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        inWord = true;
      } else if (c == '\\' && i + 1 < text.length()) {
        word.append(text.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated quote in '" + text + "'");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  public static String join(List<String> words) {
    List<String> out = new ArrayList<>();
    for (String w : words) {
      out.add(w.matches("[A-Za-z0-9_./:=,+@%-]+") ? w : "'" + w.replace("'", "'\\''") + "'");
    }
    return String.join(" ", out);
  }
}

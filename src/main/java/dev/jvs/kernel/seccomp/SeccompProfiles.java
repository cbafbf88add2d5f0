package dev.jvs.kernel.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Built-in profiles. The default is an allowlist in the spirit of Docker's default profile for a
 * guest holding Docker's default capabilities minus NET_RAW (so no SYS_ADMIN, SYS_MODULE, SYS_TIME,
 * SYS_BOOT, SYS_PTRACE, SYS_NICE ...). Its lists are data, in default-profile.txt beside this
 * class; docs/seccomp.md explains every choice.
 */
public final class SeccompProfiles {
  private static final int ENOSYS = 38;
  private static final int EAFNOSUPPORT = 97;
  private static final int AF_VSOCK = 40;
  private static final long INT_MASK = 0xffffffffL;

  /** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET, the namespace flags of clone. */
  static final long CLONE_NAMESPACE_FLAGS = 0x7E020000L;

  /** personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, both, and query. */
  static final List<Long> PERSONALITIES = List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL);

  private SeccompProfiles() {}

  /** The allow and deny lists of default-profile.txt. */
  record Lists(List<String> allowed, List<String> denied) {}

  /** Parsed once, on first use. */
  private static final class Holder {
    static final Lists DEFAULT = load("default-profile.txt");
  }

  static Lists defaultLists() {
    return Holder.DEFAULT;
  }

  private static Lists load(String resource) {
    try (InputStream in = SeccompProfiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      return parse(reader.lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }

  /** Lines of "allow NAME..." or "deny NAME..."; '#' starts a comment. */
  static Lists parse(List<String> lines) {
    List<String> allowed = new ArrayList<>();
    List<String> denied = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.replaceFirst("#.*", "").strip();
      if (line.isEmpty()) {
        continue;
      }
      List<String> words = Arrays.asList(line.split("\\s+"));
      List<String> names = words.subList(1, words.size());
      switch (words.getFirst()) {
        case "allow" -> allowed.addAll(names);
        case "deny" -> denied.addAll(names);
        default -> throw new IllegalArgumentException("seccomp profile line: " + raw);
      }
    }
    return new Lists(List.copyOf(allowed), List.copyOf(denied));
  }

  /** Rules that look at arguments or return something other than EPERM. */
  static List<SyscallRule> conditionalRules() {
    Stream<SyscallRule> personality =
        PERSONALITIES.stream()
            // The kernel reads personality as an unsigned int: only the low half counts.
            .map(p -> SyscallRule.allow("personality").when(ArgCondition.maskedEq(0, INT_MASK, p)));
    Stream<SyscallRule> others =
        Stream.of(
            // fork-style and thread clones, but no new namespaces.
            SyscallRule.allow("clone").when(ArgCondition.maskedEq(0, CLONE_NAMESPACE_FLAGS, 0)),
            // clone3 passes flags in memory a filter cannot read: ENOSYS sends libc to clone.
            SyscallRule.of(SeccompAction.errno(ENOSYS), "clone3"),
            // Any socket family except AF_VSOCK (talks to a hypervisor), as Docker; masked so
            // garbage in the upper half (ignored by the kernel) cannot slip past.
            SyscallRule.allow("socket"),
            SyscallRule.of(SeccompAction.errno(EAFNOSUPPORT), "socket")
                .when(ArgCondition.maskedEq(0, INT_MASK, AF_VSOCK)));
    return Stream.concat(others, personality).toList();
  }

  /**
   * The default guest profile: ERRNO(EPERM) for everything not allowed; x86_64 only (i386 and x32
   * calls kill the process).
   */
  public static SeccompProfile defaultProfile() {
    List<SyscallRule> rules = new ArrayList<>();
    rules.add(new SyscallRule(defaultLists().allowed(), SeccompAction.ALLOW, List.of()));
    rules.addAll(conditionalRules());
    return SeccompProfile.of(SeccompAction.errno(SeccompAction.DEFAULT_ERRNO), rules);
  }
}

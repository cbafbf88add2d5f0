package dev.jvs.oci;

import dev.jvs.runtime.Namespace;
import dev.jvs.runtime.Plan;

/** Checks of a parsed config.json that the JSON shape alone cannot express. */
final class OciValidator {
  private OciValidator() {}

  static void check(OciConfig c) {
    if (c.ociVersion() == null || !c.ociVersion().startsWith("1.")) {
      throw new OciException("unsupported ociVersion " + c.ociVersion() + " (jvs implements 1.x)");
    }
    if (c.root() == null || c.root().path() == null || c.root().path().isEmpty()) {
      throw new OciException("root.path is required");
    }
    if (c.linux() == null) {
      throw new OciException("the linux section is required");
    }
    ProcessPlan.validate(c.process());
    if (c.linux().mountLabel() != null && !c.linux().mountLabel().isEmpty()) {
      throw new OciException("linux.mountLabel (SELinux) is not supported by jvs");
    }
  }

  static void checkNamespaces(OciConfig c, Plan.Namespaces ns) {
    if (c.hostname() != null && !c.hostname().isEmpty() && !ns.has(Namespace.UTS)) {
      throw new OciException("unable to set hostname without a private UTS namespace");
    }
    if (c.domainname() != null && !c.domainname().isEmpty() && !ns.has(Namespace.UTS)) {
      throw new OciException("unable to set domainname without a private UTS namespace");
    }
    boolean maps =
        c.linux().uidMappings() != null && !c.linux().uidMappings().isEmpty()
            || c.linux().gidMappings() != null && !c.linux().gidMappings().isEmpty();
    if (maps && !ns.creates(Namespace.USER)) {
      throw new OciException("user namespaces mappings are specified without a new user namespace");
    }
    if (c.linux().sysctl() != null && !c.linux().sysctl().isEmpty()) {
      for (String key : c.linux().sysctl().keySet()) {
        boolean net = key.startsWith("net.");
        boolean ipc =
            key.startsWith("kernel.msg")
                || key.startsWith("kernel.sem")
                || key.startsWith("kernel.shm")
                || key.startsWith("fs.mqueue.");
        boolean uts = key.equals("kernel.hostname") || key.equals("kernel.domainname");
        if (!(net && ns.has(Namespace.NET)
            || ipc && ns.has(Namespace.IPC)
            || uts && ns.has(Namespace.UTS))) {
          throw new OciException("sysctl \"" + key + "\" is not in a separate kernel namespace");
        }
      }
    }
  }
}

package dev.jvs.security;

/**
 * The attack suite again, from an unprivileged guest (security.privileged=false): guest root is an
 * id of its own range on the host, and every attack must still fail with the host unchanged.
 */
class UnprivilegedAttackSuiteKernelTest extends AttackSuiteKernelTest {
  @Override
  boolean privileged() {
    return false;
  }
}

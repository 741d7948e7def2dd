package io.github.prefectecs.agent.check;

import java.util.Objects;

/**
 * The outcome of one preflight check: {@link Ok} or a {@link Problem} with how to fix it.
 *
 * <p>Immutable. Texts never hold a secret: checks name keys and flags, never their values.
 */
public sealed interface CheckResult {
  /** What was checked, e.g. {@code ECS cluster}. */
  String name();

  /**
   * One line for the operator: {@code name: ok (detail)} or {@code name: problem: ...; fix: ...}.
   */
  String line();

  /** Whether the set-up holds for this check. */
  default boolean ok() {
    return this instanceof Ok;
  }

  static CheckResult ok(String name, String detail) {
    return new Ok(name, detail);
  }

  static CheckResult problem(String name, String problem, String fix) {
    return new Problem(name, problem, fix);
  }

  /** The check holds; {@code detail} says what was found. */
  record Ok(String name, String detail) implements CheckResult {
    public Ok {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String line() {
      return name + ": ok (" + detail + ")";
    }
  }

  /** The check fails: what is wrong and what to do. */
  record Problem(String name, String problem, String fix) implements CheckResult {
    public Problem {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(problem, "problem");
      Objects.requireNonNull(fix, "fix");
    }

    @Override
    public String line() {
      return name + ": problem: " + problem + "; fix: " + fix;
    }
  }
}

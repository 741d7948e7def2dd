package io.github.prefectecs.agent;

/** Placeholder. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {}
}

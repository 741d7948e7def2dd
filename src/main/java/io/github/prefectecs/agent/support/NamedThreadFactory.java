package io.github.prefectecs.agent.support;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names every thread {@code <prefix>-<n>}, makes it a daemon or not as asked, and logs uncaught
 * exceptions instead of letting them vanish.
 *
 * <p>Thread-safe.
 */
public final class NamedThreadFactory implements ThreadFactory {
  private static final Logger LOG = LoggerFactory.getLogger(NamedThreadFactory.class);
  private final String prefix;
  private final boolean daemon;
  private final AtomicInteger counter = new AtomicInteger();

  public NamedThreadFactory(String prefix, boolean daemon) {
    this.prefix = prefix;
    this.daemon = daemon;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = new Thread(task, prefix + "-" + counter.incrementAndGet());
    thread.setDaemon(daemon);
    thread.setUncaughtExceptionHandler(
        (t, e) -> LOG.error("Uncaught exception in thread {}", t.getName(), e));
    return thread;
  }
}

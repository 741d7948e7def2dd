package io.github.prefectecs.agent.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration before the agent's configuration is read: INFO, plain lines on standard
 * output, the AWS SDK and OkHttp at WARN. Found by Logback through {@code
 * META-INF/services/ch.qos.logback.classic.spi.Configurator}; set up in code rather than by a
 * {@code logback.xml} because reading XML (Joran and a SAX parser) costs start-up time and some 400
 * classes of metaspace for the life of the process. {@link LoggingSetup} replaces it at start.
 *
 * <p>Called once by Logback while its context initialises.
 */
public final class DefaultLogging extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(LoggingSetup.PATTERN);
    encoder.start();
    // A console appender: stopping it (LoggingSetup does) leaves System.out open.
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("text");
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    root.setLevel(Level.INFO);
    for (String name : LoggingSetup.QUIET_LOGGERS) {
      context.getLogger(name).setLevel(Level.WARN);
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}

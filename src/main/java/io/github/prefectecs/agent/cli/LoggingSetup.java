package io.github.prefectecs.agent.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Configures Logback at start from {@code cloud.agent.level} and {@code cloud.agent.log_format}:
 * plain lines for people or JSON lines (with MDC, e.g. {@code flow_run_id}) for CloudWatch.
 * Replaces the appenders of {@link DefaultLogging}. Call once, from the main thread, before the
 * agent starts.
 */
public final class LoggingSetup {
  /** The human format; timestamps in UTC; the flow run id only when the MDC carries one. */
  static final String PATTERN =
      "%d{yyyy-MM-dd HH:mm:ss.SSS, UTC} UTC %-5level [%thread] %logger"
          + "%replace( flow_run_id=%X{flow_run_id}){' flow_run_id=$', ''} - %msg%n%ex";

  /** Libraries that are chatty at INFO/DEBUG; their warnings still show. */
  static final List<String> QUIET_LOGGERS = List.of("software.amazon.awssdk", "okhttp3");

  private LoggingSetup() {}

  /** Logs to standard output at {@code level} (DEBUG, INFO, WARNING, ERROR). */
  public static void apply(String level, boolean json) {
    apply(level, json, System.out);
  }

  /** Logs to {@code target}; tests pass their own stream. */
  public static void apply(String level, boolean json, OutputStream target) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setName(json ? "json" : "text");
    appender.setEncoder(json ? jsonEncoder(context) : textEncoder(context));
    appender.setOutputStream(target);
    appender.setImmediateFlush(true);
    appender.start();
    root.addAppender(appender);
    root.setLevel(toLogback(level));
    for (String name : QUIET_LOGGERS) {
      context.getLogger(name).setLevel(Level.WARN);
    }
  }

  /** Python level names to Logback's: WARNING is WARN. */
  static Level toLogback(String level) {
    String upper = level.toUpperCase(Locale.ROOT);
    return Level.toLevel(upper.equals("WARNING") ? "WARN" : upper, Level.INFO);
  }

  private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.setIncludeMdc(true);
    encoder.start();
    return encoder;
  }
}

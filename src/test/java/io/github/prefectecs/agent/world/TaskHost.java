package io.github.prefectecs.agent.world;

import java.util.concurrent.ScheduledExecutorService;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/**
 * What every {@link LocalTask} of one front shares: its settings, the scheduler that moves tasks
 * along their lifecycle, moto's CloudWatch Logs and the secret resolver.
 */
record TaskHost(
    RunnerSettings settings,
    ScheduledExecutorService scheduler,
    CloudWatchLogsClient logs,
    Secrets secrets) {}

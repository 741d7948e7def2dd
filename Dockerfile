# Prefect 1.x ECS agent: build the shaded jar and a jlink'd Java runtime, then run them on Debian
# slim as a non-root user.
#
#   docker build -t prefect-ecs-agent .
#   docker run --rm -e PREFECT__BACKEND=server -e PREFECT__CLOUD__API=http://prefect-server:4200 \
#     -e AWS_REGION=eu-west-1 prefect-ecs-agent
#
# Configuration: PREFECT__* environment variables (see docs/configuration.md), or a config.toml
# mounted at /home/agent/.prefect/config.toml (or anywhere, named by PREFECT__USER_CONFIG_PATH).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
# Dependencies first, so source changes do not invalidate this layer.
RUN mvn -B -ntp -q dependency:go-offline || true
COPY src ./src
RUN mvn -B -ntp -DskipTests package
# A Java runtime of only the modules the agent uses: jdeps --print-module-deps on the shaded jar
# (java.base ... jdk.management, jdk.unsupported), plus modules that are only loaded as services,
# which jdeps cannot see: jdk.crypto.ec (TLS key exchange with AWS and Prefect Cloud), jdk.charsets, jdk.localedata,
# jdk.naming.dns, jdk.zipfs.
RUN jlink --add-modules java.base,java.desktop,java.management,java.naming,java.net.http,java.sql,jdk.httpserver,jdk.management,jdk.unsupported,jdk.crypto.ec,jdk.charsets,jdk.localedata,jdk.naming.dns,jdk.zipfs \
      --strip-java-debug-attributes --no-man-pages --no-header-files --compress=2 --output /opt/jre \
    && /opt/jre/bin/java -jar target/agent.jar --help > /dev/null

FROM debian:bookworm-slim
# No curl: the health check below is answered with bash's /dev/tcp (no extra package, no JVM per
# probe, which a 512 MiB Fargate task would feel).
COPY --from=build /opt/jre /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN groupadd --system --gid 10001 agent \
    && useradd --system --uid 10001 --gid agent --create-home --home-dir /home/agent agent \
    && mkdir -p /home/agent/.prefect /app \
    && chown -R agent:agent /home/agent
COPY --from=build /src/target/agent.jar /app/agent.jar
# Class-data sharing: the classes the agent loads up to and through a 1000-run burst (listed by
# FootprintBenchmark's `classlist` set with -XX:DumpLoadedClassList), parsed and verified once
# here into /app/agent.jsa, which the JVM maps at start (JAVA_TOOL_OPTIONS below): registration and
# first poll come ~40 % sooner. Built in this stage, by this runtime, against /app/agent.jar, as
# the archive must be; a class missing from the list is loaded from the jar as usual.
COPY src/main/cds/agent.classlist /tmp/agent.classlist
RUN java -Xshare:dump -XX:SharedClassListFile=/tmp/agent.classlist \
      -XX:SharedArchiveFile=/app/agent.jsa -cp /app/agent.jar > /tmp/cds-dump.log 2>&1 \
    || { cat /tmp/cds-dump.log; exit 1; }; rm -f /tmp/agent.classlist /tmp/cds-dump.log

USER agent
WORKDIR /home/agent
# JVM flags (docs/footprint.md has the figures behind them): explicit sizes, the same whatever the
# container's memory; a 64 MiB heap, 4x what a 1000-run burst leaves alive, and the process exits
# (ECS restarts it) rather than limp on if it ever runs out; the serial collector and C1 only, both
# small and enough for an I/O-bound daemon; class-data sharing from the archive above (without the
# archive the JVM starts normally); two malloc arenas instead of one per thread.
ENV HOME=/home/agent \
    PREFECT__CLOUD__AGENT__AGENT_ADDRESS=http://0.0.0.0:8080 \
    MALLOC_ARENA_MAX=2 \
    JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -Xms16m -Xmx64m -Xmn4m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -Xss256k -XX:TieredStopAtLevel=1 -XX:Tier3InvocationThreshold=10000 -XX:Tier3MinInvocationThreshold=5000 -XX:Tier3CompileThreshold=100000 -XX:Tier3BackEdgeThreshold=600000 -XX:ReservedCodeCacheSize=32m -Xshare:auto -XX:SharedArchiveFile=/app/agent.jsa -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080

# Only meaningful while the health server is on (the default agent address above).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /api/health HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]

# Exec form: java is PID 1 and receives SIGTERM from docker stop / ECS, so the agent drains.
ENTRYPOINT ["java", "-jar", "/app/agent.jar"]
CMD ["ecs", "start"]

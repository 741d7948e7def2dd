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

USER agent
WORKDIR /home/agent
ENV HOME=/home/agent \
    PREFECT__CLOUD__AGENT__AGENT_ADDRESS=http://0.0.0.0:8080 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080

# Only meaningful while the health server is on (the default agent address above).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /api/health HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]

# Exec form: java is PID 1 and receives SIGTERM from docker stop / ECS, so the agent drains.
ENTRYPOINT ["java", "-jar", "/app/agent.jar"]
CMD ["ecs", "start"]

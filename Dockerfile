# Prefect 1.x ECS agent: build the shaded jar, then run it on a JRE as a non-root user.
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

FROM eclipse-temurin:17-jre
# No curl: the health check below is answered with bash's /dev/tcp (no extra package, no JVM per
# probe, which a 512 MiB Fargate task would feel).
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

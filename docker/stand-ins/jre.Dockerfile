# Stand-in for eclipse-temurin:17-jre (runtime stage), for offline tests only. No extra CA: the
# runtime image must work with the certificates a real base image has.
FROM local/debian:bookworm
LABEL org.prefect-ecs-agent.stand-in=true
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/*

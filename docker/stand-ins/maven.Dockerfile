# Stand-in for maven:3.9-eclipse-temurin-17 (build stage), for offline tests only.
FROM local/debian:bookworm
LABEL org.prefect-ecs-agent.stand-in=true
COPY certs/ /usr/local/share/ca-certificates/
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates openjdk-17-jdk-headless maven \
    && rm -rf /var/lib/apt/lists/* \
    && update-ca-certificates

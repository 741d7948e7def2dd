# Stand-in for localstack/localstack (Testcontainers' LocalStackContainer), for offline tests only.
# localstack-core needs Python >= 3.12 (trixie has 3.13); the pins work around its dependencies'
# newer releases. CloudWatch Logs works; ECS is not served (moto stays the ECS emulator).
# Two pip steps, as measured: asking for the package and the pins at once sends pip's resolver
# backtracking through sdists for minutes.
FROM local/debian:trixie
LABEL org.prefect-ecs-agent.stand-in=true
COPY certs/ /usr/local/share/ca-certificates/
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && update-ca-certificates
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/localstack \
    && /opt/localstack/bin/pip install --no-cache-dir 'localstack-core[runtime]==2026.3.0' \
    && /opt/localstack/bin/pip install --no-cache-dir 'cbor2<6' 'service_identity<26' 'cryptography>=45,<46' 'pyopenssl==25.1.0'
ENV OVERRIDE_IN_DOCKER=0 \
    FILESYSTEM_ROOT=/var/lib/localstack \
    SKIP_SSL_CERT_DOWNLOAD=1 \
    DNS_ADDRESS=0 \
    GATEWAY_LISTEN=0.0.0.0:4566
RUN mkdir -p /var/lib/localstack
EXPOSE 4566
CMD ["/opt/localstack/bin/python", "-m", "localstack.runtime.main"]

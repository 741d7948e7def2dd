# Stand-in for localstack/localstack (Testcontainers' LocalStackContainer), for offline tests only.
# localstack-core needs Python >= 3.12 (trixie has 3.13); the pins work around its dependencies'
# newer releases. CloudWatch Logs works; ECS is not served (moto stays the ECS emulator).
# uv resolves localstack-core[runtime] in seconds; pip's resolver backtracks through hundreds of
# boto3 and graphql-core releases for many minutes. The pins go in a second step, as measured.
FROM local/debian:trixie
LABEL org.prefect-ecs-agent.stand-in=true
COPY certs/ /usr/local/share/ca-certificates/
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && update-ca-certificates
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NATIVE_TLS=1
RUN python3 -m venv /opt/localstack \
    && /opt/localstack/bin/pip install --no-cache-dir uv \
    && /opt/localstack/bin/uv pip install --no-cache --python /opt/localstack/bin/python \
       'localstack-core[runtime]==2026.3.0' \
    && /opt/localstack/bin/pip install --no-cache-dir 'cbor2<6' 'service_identity<26' \
       'cryptography>=45,<46' 'pyopenssl==25.1.0'
ENV OVERRIDE_IN_DOCKER=0 \
    FILESYSTEM_ROOT=/var/lib/localstack \
    SKIP_SSL_CERT_DOWNLOAD=1 \
    DNS_ADDRESS=0 \
    GATEWAY_LISTEN=0.0.0.0:4566
# LocalStackContainer replaces the entrypoint with a script that ends in the real image's
# /usr/local/bin/docker-entrypoint.sh, so the stand-in has one under that name.
RUN mkdir -p /var/lib/localstack \
    && printf '#!/bin/bash\nexec /opt/localstack/bin/python -m localstack.runtime.main "$@"\n' \
       > /usr/local/bin/docker-entrypoint.sh \
    && chmod 755 /usr/local/bin/docker-entrypoint.sh
EXPOSE 4566
CMD ["/usr/local/bin/docker-entrypoint.sh"]

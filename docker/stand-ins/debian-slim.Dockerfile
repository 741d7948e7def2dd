# Stand-in for debian:bookworm-slim (runtime stage), for offline tests only: the debootstrap
# minbase rootfs, which is a little larger than the real slim image. No extra CA.
FROM local/debian:bookworm
LABEL org.prefect-ecs-agent.stand-in=true

# The switch itself: FastAGI server, web console and AMI client (`ivr serve`).
# Build from the repository root:  docker build -f docker/Dockerfile.app .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TZ=UTC
# pydub decodes and encodes audio through ffmpeg.
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

# uid 1000, like the asterisk user of the Asterisk image: both write the
# shared recordings volume.
RUN groupadd --gid 1000 ivr && useradd --uid 1000 --gid ivr --create-home ivr

WORKDIR /app
COPY pyproject.toml README.md ./
COPY ivr/ ivr/
COPY prompts/ prompts/
RUN pip install --no-cache-dir ".[postgres]"

RUN mkdir -p /var/lib/ivr /var/spool/asterisk/monitor/ivr \
    && chown -R ivr:ivr /var/lib/ivr /var/spool/asterisk/monitor/ivr
USER ivr

# FastAGI and the web console listen on the container's address, not loopback:
# Asterisk and the operator reach them over the compose network.
ENV IVR_VAR_DIR=/var/lib/ivr \
    IVR_AGI_HOST=0.0.0.0 \
    IVR_AGI_PORT=4573 \
    IVR_WEB_HOST=0.0.0.0 \
    IVR_WEB_PORT=8080 \
    IVR_PROMPTS_DIR=/app/prompts \
    IVR_RECORDINGS_DIR=/var/spool/asterisk/monitor/ivr
EXPOSE 4573 8080

# Bring the schema up to date, then serve.
CMD ["sh", "-c", "ivr db upgrade && exec ivr serve"]

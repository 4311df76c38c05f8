# A minimal image for one of the bots, for docker-compose setups like Grafolean's.
# Build:  docker build -t grafolean-ping-bot .            (or --build-arg BOT=grafolean-snmp-bot)
# Health: with METRICS_PORT set, point the health check at http://127.0.0.1:$METRICS_PORT/health.
# Run:    docker run --cap-add NET_RAW -v ping-bot-state:/var/lib/grafolean-bot -e BACKEND_URL=http://grafolean/api -e BOT_TOKEN=... grafolean-ping-bot
ARG SWIFT_VERSION=6.2
FROM swift:${SWIFT_VERSION}-bookworm AS build
ARG BOT=grafolean-ping-bot
WORKDIR /build
COPY . .
RUN swift build -c release --static-swift-stdlib --product "${BOT}" \
    && cp "$(swift build -c release --show-bin-path)/${BOT}" /bot

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libcurl4 libxml2 tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /bot /usr/local/bin/bot
ENV JOBS_REFRESH_INTERVAL=60
# Undelivered values are kept here across outages and restarts: mount a volume on it.
ENV STATE_DIRECTORY=/var/lib/grafolean-bot
RUN mkdir -p /var/lib/grafolean-bot
VOLUME /var/lib/grafolean-bot
ENTRYPOINT ["/usr/local/bin/bot"]

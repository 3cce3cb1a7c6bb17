# scorecast image: built with the Rust toolchain, run on a slim Debian as a non-root user.
#   docker build -t scorecast --build-arg SCORECAST_COMMIT=$(git rev-parse --short HEAD) .
#   docker run -p 127.0.0.1:8080:8080 -v scorecast-data:/data scorecast

FROM rust:1-bookworm AS builder
WORKDIR /src

# Dependencies first, in their own layer, so that a change to the code does not rebuild them.
# Every workspace member's manifest must be here, or cargo cannot load the workspace; bench is not
# built (only the root package is), so its sources are not needed. tests/api/deployment.rs replays
# these COPY lines to keep this true.
COPY Cargo.toml Cargo.lock ./
COPY bench/Cargo.toml bench/
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src

# Migrations are embedded into the binary at compile time (sqlx::migrate!).
COPY migrations migrations
# build.rs names the commit in scorecast_build_info. The context has no .git (.dockerignore), so the
# commit comes as a build argument: docker build --build-arg SCORECAST_COMMIT=$(git rev-parse --short HEAD)
COPY build.rs ./
ARG SCORECAST_COMMIT
# The client package (clients/js) is embedded too, served under /static/.
COPY clients/js clients/js
COPY src src
# The copied sources can be older than the placeholder build above: touch them so cargo rebuilds.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked \
 && cp target/release/scorecast /usr/local/bin/scorecast

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --uid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin scorecast \
 && mkdir /data \
 && chown scorecast:scorecast /data
COPY --from=builder /usr/local/bin/scorecast /usr/local/bin/scorecast

# NO_COLOR: plain log lines, without terminal colour codes, for `docker logs` and collectors.
ENV SCORECAST_LISTEN=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/scorecast.db \
    NO_COLOR=1
VOLUME /data
USER scorecast
EXPOSE 8080
# The binary probes its own /readyz (on loopback, since it listens on 0.0.0.0); the image has no curl.
# The probe gives up after 3 s, before Docker's timeout; the start period covers migrations.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/scorecast", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/scorecast"]

# syntax=docker/dockerfile:1
# racesim in a container image: the release binary and the shipped scenarios.
#
#   docker build -t racesim .
#   docker run --rm racesim run scenarios/lisa.toml --quiet --format markdown
#   docker run --rm -v "$PWD/output:/home/racesim/output" racesim run scenarios/lisa.toml
#
# The builder and the runtime are the same Debian release, so the binary
# finds the glibc it was linked against. Keep the Rust version at or above
# rust-version in Cargo.toml (a test checks both).

FROM rust:1.95-slim-trixie AS build
WORKDIR /src
COPY . .
# The registry and target/ are BuildKit cache mounts: a rebuild after a
# source change compiles racesim only. target/ is a mount, so the binary is
# copied out of it in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && cp target/release/racesim /usr/local/bin/racesim

FROM debian:trixie-slim
# A fixed numeric user, so Kubernetes' runAsNonRoot can verify it
# (examples/scale-out/k8s-indexed-job.yaml runs as 10001 too).
RUN groupadd --gid 10001 racesim \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/racesim racesim
COPY --from=build /usr/local/bin/racesim /usr/local/bin/racesim
COPY scenarios/ /home/racesim/scenarios/
USER 10001:10001
WORKDIR /home/racesim
ENTRYPOINT ["racesim"]
CMD ["--help"]

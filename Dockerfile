# cinegraph in a container, for `cinegraph batch k8s` (and any machine with Docker).
#
#   docker build -t cinegraph:0.1 .                       # CPU nodes (the last stage): lavapipe
#   docker build -t cinegraph:0.1-cuda --target cuda .    # GPU nodes: candle on CUDA
#
# Stage 1 builds the release binary; the runtime stages hold the binary, Mesa's CPU
# Vulkan driver (lavapipe) and the Vulkan loader, the bundled scenes, styles and sets
# (under /opt/cinegraph, the working folder), and nothing else. On an NVIDIA node the
# container runtime mounts the driver's Vulkan ICD, and wgpu picks the GPU over lavapipe.
# Both builds carry the `cloud` feature, so pods can write to s3://, gs:// and az://
# (`batch k8s --out URL`).

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features cloud --bin cinegraph \
 && strip target/release/cinegraph

# The CUDA build: candle's `cuda` feature needs the toolkit to compile and cuBLAS to run.
FROM nvidia/cuda:13.0.0-devel-ubuntu24.04 AS build-cuda
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates build-essential pkg-config \
 && rm -rf /var/lib/apt/lists/* \
 && curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain 1.95.0
ENV PATH=/root/.cargo/bin:$PATH
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features cuda,cloud --bin cinegraph \
 && strip target/release/cinegraph

FROM nvidia/cuda:13.0.0-runtime-ubuntu24.04 AS cuda
RUN apt-get update \
 && apt-get install -y --no-install-recommends mesa-vulkan-drivers libvulkan1 libcublas-13-0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
COPY --from=build-cuda /src/target/release/cinegraph /usr/local/bin/cinegraph
COPY scenes /opt/cinegraph/scenes
COPY styles /opt/cinegraph/styles
COPY sets /opt/cinegraph/sets
COPY plans /opt/cinegraph/plans
WORKDIR /opt/cinegraph
ENTRYPOINT []
CMD ["cinegraph", "--help"]

# The default target (last): CPU nodes.
FROM debian:bookworm-slim AS cpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends mesa-vulkan-drivers libvulkan1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/cinegraph /usr/local/bin/cinegraph
COPY scenes /opt/cinegraph/scenes
COPY styles /opt/cinegraph/styles
COPY sets /opt/cinegraph/sets
COPY plans /opt/cinegraph/plans
WORKDIR /opt/cinegraph
ENTRYPOINT []
CMD ["cinegraph", "--help"]

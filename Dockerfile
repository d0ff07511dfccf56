# The reference backend (reference-backend migrate|seed|serve), built in one stage and run in a slim,
# non-root image. Resources (SQL migrations, openapi.yaml) sit beside the binary, where Bundle.module looks.
FROM swift:6.1-bookworm AS build
WORKDIR /build
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY ReferenceData ./ReferenceData
RUN swift build -c release --product reference-backend --static-swift-stdlib \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/reference-backend" /staging/ \
    && cp -R "$(swift build -c release --show-bin-path)/reference-parity_ReferenceBackend.resources" /staging/

FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libsqlite3-0 zlib1g tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 reference \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin reference
WORKDIR /app
COPY --from=build /staging/ /app/
COPY ReferenceData /app/ReferenceData
USER 10001:10001
ENV REFERENCE_API_HOST=0.0.0.0 \
    REFERENCE_API_PORT=8080 \
    REFERENCE_DATA_DIR=/app/ReferenceData
EXPOSE 8080
ENTRYPOINT ["/app/reference-backend"]
CMD ["serve"]

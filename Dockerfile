# kmslint in a container, like Checkov's and KICS's images:
#
#   docker run --rm -v "$PWD:/src" ghcr.io/kmslint/kmslint .
#
# The image holds nothing but the static (musl) kmslint that the release workflow built, checked
# and packed (.github/workflows/release.yml), on distroless "static" (no shell, no package
# manager), run as the distroless non-root user from /src. Its build context is a directory with
# amd64/kmslint and arm64/kmslint; there is no RUN step, so building for both platforms needs no
# emulation. To build the amd64 image from a checkout on Linux x86_64 (with cargo-zigbuild and
# Zig, as the release workflow does):
#
#   cargo zigbuild --release --locked --target x86_64-unknown-linux-musl
#   mkdir -p image/amd64 && cp target/x86_64-unknown-linux-musl/release/kmslint image/amd64/
#   docker build -f Dockerfile -t kmslint image
FROM gcr.io/distroless/static-debian12:nonroot

ARG TARGETARCH
LABEL org.opencontainers.image.title="kmslint" \
      org.opencontainers.image.description="Lint AWS KMS key policies in CloudFormation and Terraform before they are deployed" \
      org.opencontainers.image.source="https://github.com/kmslint/kmslint" \
      org.opencontainers.image.licenses="Apache-2.0"

COPY ${TARGETARCH}/kmslint /usr/local/bin/kmslint
# The distroless `nonroot` user, by number so that runAsNonRoot policies can check it.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["kmslint"]

# syntax=docker/dockerfile:1
# authgate container image: build with the dev dependencies, run with the production ones only.
#   docker build -t authgate:dev --build-arg VERSION=$(node -p 'require("./package.json").version') \
#     --build-arg REVISION=$(git rev-parse HEAD) .
# Runs as a numeric non-root user, writes nothing outside /tmp (read-only root filesystem
# friendly), reads its configuration from /etc/authgate/authgate.yaml (Helm mounts a ConfigMap
# there) and its secrets from mounted files. No secret, certificate or test data is in the image.
# test/integration/deploy/dockerfile.test.ts performs these steps without a Docker engine.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="authgate" \
      org.opencontainers.image.description="TLS-terminating reverse-proxy authentication for RStudio/Posit Workbench, Connect and Shiny: LDAP/AD, OIDC, local accounts, signed identity headers" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production \
    HOME=/tmp \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin/ bin/
COPY --from=build /build/dist/ dist/
USER 10001:10001
EXPOSE 8443 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('node:https').get({host:'127.0.0.1',port:Number(process.env.AUTHGATE_HEALTHCHECK_PORT||8443),path:'/__authgate__/healthz',rejectUnauthorized:false,timeout:4000},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/authgate.js"]
CMD ["serve", "--config", "/etc/authgate/authgate.yaml"]

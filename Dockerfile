# twiml-server image: TypeScript built in one stage, production dependencies pruned from it in another, and only
# dist/ + production node_modules in the final image, run as the non-root "node" user with its data in
# /app/data. The SQLite driver (better-sqlite3 13) is a Node-API addon whose Linux builds ship inside its npm
# package (checked against package-lock.json's integrity hash); package.json's allowScripts denies its node-gyp
# step (a no-op when the package has a build for the platform), so nothing is compiled and no stage needs a
# compiler.
# The base is pinned to an exact Node 24 LTS release (production runs Node 24; CI runs the tests on it too);
# pin it by digest as well in your registry.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY routes ./routes
COPY views ./views
RUN npm run build && rm -f dist/.tsbuildinfo

# Development packages pruned; of the SQLite driver, only the build for this image's platform stays (not SQLite's
# sources, nor the other platforms' builds); type declarations and source maps are left behind (nothing reads
# them at run time).
FROM build AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund && npm cache clean --force \
    && keep=$(node -p "require('path').basename(require('./node_modules/better-sqlite3/lib/binding.js').getPrebuildPath())") \
    && find node_modules/better-sqlite3/prebuilds -type f ! -name "$keep" -delete \
    && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
    && find node_modules \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -type f -delete \
    && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bins ./bins
# npm run's pre-step of the CLIs (hash-password, db:migrate, db:backup, …): with no TypeScript here it runs dist/
# as it is, so `docker compose exec twiml-server npm run --silent hash-password` works inside the container.
COPY scripts/ensure-build.js ./scripts/
# The SQLite database and the spool (DATABASE_URL unset); mount a volume here to keep them across containers.
RUN mkdir -m 0700 /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (graceful drain in src/server.ts); `docker run --init` also works.
CMD ["node", "dist/src/server.js"]

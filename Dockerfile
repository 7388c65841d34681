# One image for both roles: `a3c serve` (the learner service) and `a3c node` (actor nodes).
#   docker build -t a3c .
#   docker compose up --scale node=3          (see docker-compose.yml and docs/distributed.md)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No prepare script yet: the sources are not copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY assembly ./assembly
COPY src ./src
COPY test ./test
COPY proto ./proto
COPY bin ./bin
COPY data ./data
COPY static ./static
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build ./build
COPY --from=build /app/bin ./bin
COPY --from=build /app/proto ./proto
COPY --from=build /app/data ./data
COPY --from=build /app/static ./static
# Runs are written here: mount a volume on it (the service's run directory).
RUN mkdir /runs && chown node:node /runs
VOLUME /runs
USER node
ENTRYPOINT ["node", "/app/bin/a3c.js"]
CMD ["--help"]

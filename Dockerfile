# starshop: one image for every role (web, worker, migrate, audit); the command picks the role.
# Dependencies come from the lock file (exact versions, hashes checked); the dev tools are not in the image.
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --no-cache-dir --require-hashes --prefix=/install -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --no-deps --prefix=/install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 starshop
COPY --from=build /install /usr/local
USER starshop
WORKDIR /home/starshop
ENV STARSHOP_HOST=0.0.0.0 STARSHOP_PORT=8000 STARSHOP_WORKER_PORT=8001 STARSHOP_LOG_FORMAT=json PYTHONUNBUFFERED=1
EXPOSE 8000 8001
# The web role's probe; compose gives each role its own (the worker's on STARSHOP_WORKER_PORT, docs/deploy.md).
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"
ENTRYPOINT ["starshop"]
CMD ["web"]

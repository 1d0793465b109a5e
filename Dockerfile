# starshop: one image for every role (web, worker, migrate, audit); the command picks the role.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 starshop
COPY --from=build /install /usr/local
USER starshop
WORKDIR /home/starshop
ENV STARSHOP_HOST=0.0.0.0 STARSHOP_PORT=8000 STARSHOP_LOG_FORMAT=json PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"
ENTRYPOINT ["starshop"]
CMD ["web"]

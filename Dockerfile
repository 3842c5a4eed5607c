# CityWall on the demo city: gunicorn serves the wall, a child process keeps the
# simulated feeds live. For a real city mount its profile and set the database URL:
#   docker run -p 8050:8050 -e CITYWALL_PROFILE=/city/guayaquil.toml \
#     -e CITYWALL_DATABASE_URL=postgresql://… -v ./cities:/city citywall
# Two or more of them behind nginx, on one PostgreSQL and one Redis:
# deploy/compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CITYWALL_PROFILE=/app/cities/seoul.toml \
    CITYWALL_DATA_DIR=/var/lib/citywall

WORKDIR /app
COPY pyproject.toml README.md app.py ./
COPY city city
COPY access access
COPY web web
COPY citywall citywall
COPY connectors connectors
COPY ingest ingest
COPY store store
COPY kpis kpis
COPY components components
COPY pages pages
COPY assets assets
COPY cities cities
RUN pip install --no-cache-dir -e . \
    && useradd --system --home /var/lib/citywall citywall \
    && mkdir -p /var/lib/citywall && chown citywall /var/lib/citywall
USER citywall

EXPOSE 8050
CMD ["citywall", "serve", "--host", "0.0.0.0", "--port", "8050", "--workers", "2"]

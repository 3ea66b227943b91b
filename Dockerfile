# Faraday Connections Admin: gunicorn behind your load balancer. Configure with environment
# variables (see README); SECRET_KEY and DATABASE_URL are required in production.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 app
WORKDIR /app

COPY pyproject.toml README.md ./
COPY faraday_admin ./faraday_admin
RUN pip install .

COPY manage.py gunicorn.conf.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings to load, not a real key.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-m", "faraday_admin.healthcheck"]
CMD ["gunicorn", "faraday_admin.wsgi"]

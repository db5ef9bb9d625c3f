# One image for every Lumia component; compose.yaml picks the module to run.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY shared ./shared
COPY gateway ./gateway
COPY llm_worker ./llm_worker
COPY brain_worker ./brain_worker
COPY ingest_worker ./ingest_worker
COPY tools_worker ./tools_worker
RUN pip install .

RUN useradd --create-home --uid 1000 lumia && mkdir -p /data && chown lumia /data
USER lumia
ENV LUMIA_DATA_DIR=/data

# The gateway listens here; workers ignore it.
EXPOSE 8000
CMD ["python", "-m", "gateway"]

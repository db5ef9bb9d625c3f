from shared.worker_main import run_worker

run_worker("ingest", "ingest_worker.app")

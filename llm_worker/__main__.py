from shared.worker_main import run_worker

run_worker("llm", "llm_worker.app")

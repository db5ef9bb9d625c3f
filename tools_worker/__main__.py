from shared.worker_main import run_worker

run_worker("tools", "tools_worker.app")

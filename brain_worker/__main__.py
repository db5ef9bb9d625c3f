from shared.worker_main import run_worker

run_worker("brain", "brain_worker.app")

"""Task2Sim controller: Task2Vec task DBs, the REINFORCE controller, its evaluation and prediction for a new task."""

"""The reward pipeline: a table of 5-NN rewards of synthetic pre-training, one per (setting, task).

``config`` (BuildConfig: what decides a reward, and the engine configs it makes), ``classes`` (the object
classes of the sets), ``settings`` (which settings, in which order), ``task_bank`` (the downstream tasks and
their kNN scoring), ``runner`` (one setting: render, pre-train, score), ``store`` (the table, its sidecar and
lock), ``build`` (local processes or submitit), ``version`` / ``golden`` (what a table was measured with).
The command line is ``controller_db/build_reward_db.py``.
"""

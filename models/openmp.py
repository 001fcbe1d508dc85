"""OpenMP threads that sleep while they wait.

LightGBM (training, scoring, SHAP contributions) and scikit-learn run on OpenMP, whose
idle threads spin by default. On a machine whose cores are shared with other work (a
laptop, a VM, a CI runner), a spinning thread holds a core its sibling needs: a 2-thread
LightGBM fit of 200 trees on 16,000 accounts took 8.6-22 s instead of 0.7 s (one thread)
on the 2-core benchmark machine, and grouped cross-validation on 200,000 accounts took 11
minutes. With passive waiting the same fit takes 1.0 s. The setting must be made before
the OpenMP runtime loads (before lightgbm is imported), so the `models` and `training`
packages import this module first; an OMP_WAIT_POLICY already set wins.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

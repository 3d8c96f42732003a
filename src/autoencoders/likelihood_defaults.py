"""The default cost of the test negative log-likelihood that ``ae evaluate`` and the report give for a model with
a likelihood and a prior (``metrics.likelihood_metrics``); torch-free, so that the CLI's help can state it.

K importance samples per row cost K decodes of each row: 100 on 500 rows took 1.5 s for a 784-512-256-32 MLP VAE and
11 s for a (16, 32)-channel conv VAE on 28 x 28 images (one thread, docs/benchmarks.md, Generative 46). More
samples give a tighter bound (Burda et al., 2016, used 5,000) at a proportional cost.
"""

IMPORTANCE_SAMPLES = 100
LIKELIHOOD_ROWS = 500

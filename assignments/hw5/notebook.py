# Extra cells of the hw5 notebook: your engine fitting a sine.

# %% [markdown]
# ## The loss curve of `fit_sine`
#
# 300 iterations of your engine (the published run does 10,000: try it once,
# it takes a few seconds). The loss should start near 0.847 and keep falling.
# (This cell runs when your notebook is graded too: keep it quick.)

# %%
import matplotlib.pyplot as plt

curve = fit_sine(iterations=300)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(curve)
ax.set_xlabel("iteration"); ax.set_ylabel("mean squared error"); ax.set_yscale("log")
ax.set_title(f"from {curve[0]:.4f} to {curve[-1]:.4f}")
plt.show()

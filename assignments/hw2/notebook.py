# Extra cells of the hw2 notebook: your network learning Case A, step by step.

# %% [markdown]
# ## Case A over 200 steps
#
# Your `forward`, `loss`, `backward` and `update` in a loop: the loss should fall
# smoothly, faster with the biases trained than with them fixed.

# %%
import matplotlib.pyplot as plt

x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
start = {"W1": np.array([[0.15, 0.20], [0.25, 0.30]]), "b1": np.array([0.35, 0.35]),
         "W2": np.array([[0.40, 0.45], [0.50, 0.55]]), "b2": np.array([0.60, 0.60])}
fig, ax = plt.subplots(figsize=(6, 3.5))
for update_biases in (True, False):
    params, losses = dict(start), []
    for _ in range(200):
        losses.append(loss(forward(x, params["W1"], params["b1"], params["W2"], params["b2"])[1], t))
        grads = backward(x, t, params["W1"], params["b1"], params["W2"], params["b2"])
        params = update(params, grads, 0.5, update_biases=update_biases)
    ax.plot(losses, label="biases trained" if update_biases else "biases fixed")
ax.set_xlabel("step"); ax.set_ylabel("loss E"); ax.set_yscale("log"); ax.legend()
plt.show()

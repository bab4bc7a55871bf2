# Extra cells of the hw3 notebook: the loss curve of your torch training loop.

# %% [markdown]
# ## Case A trained with torch.optim.SGD
#
# The loss before each of 50 steps, with the biases trained and with them fixed.

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3.5))
for train_biases in (True, False):
    run = train_network(CASE_A["x"], CASE_A["t"], CASE_A["W1"], CASE_A["W2"], CASE_A["b1"], CASE_A["b2"],
                        lr=CASE_A["lr"], steps=50, train_biases=train_biases)
    ax.plot(as_tensor(run["losses"]).numpy(), label="biases trained" if train_biases else "biases fixed")
ax.set_xlabel("step"); ax.set_ylabel("loss E"); ax.legend()
plt.show()

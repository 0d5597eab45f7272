suppressMessages({library(pROC); library(survival); library(sandwich)})
options(digits = 15)
cat(R.version.string, "pROC", as.character(packageVersion("pROC")), "survival", as.character(packageVersion("survival")), "sandwich", as.character(packageVersion("sandwich")), "\n")
a <- read.csv("tests/data/aSAH.csv")  # run from the repository root
a$y <- as.integer(a$outcome == "Poor")
# 1. DeLong variance of one AUC
r <- roc(a$y, a$s100b, levels = c(0, 1), direction = "<", quiet = TRUE)
cat("auc_s100b", format(as.numeric(auc(r)), digits = 15), "var_delong", format(var(r, method = "delong"), digits = 15), "\n")
r2 <- roc(a$y, a$wfns, levels = c(0, 1), direction = "<", quiet = TRUE)
cat("auc_wfns", format(as.numeric(auc(r2)), digits = 15), "var_delong", format(var(r2, method = "delong"), digits = 15), "\n")
# 2. weighted AUC = AUC of rows repeated w times
w <- ((seq_len(nrow(a)) - 1) %% 3) + 1
e <- a[rep(seq_len(nrow(a)), w), ]
re <- roc(e$y, e$s100b, levels = c(0, 1), direction = "<", quiet = TRUE)
cat("auc_repeated", format(as.numeric(auc(re)), digits = 15), "\n")
# 3. logistic with CRV1 cluster variance
a$cl <- (seq_len(nrow(a)) - 1) %% 20
f <- glm(y ~ s100b + age, family = binomial, data = a)
cat("glm_coef", format(coef(f), digits = 15), "\n")
cat("glm_se", format(sqrt(diag(vcov(f))), digits = 15), "\n")
v <- vcovCL(f, cluster = ~cl, type = "HC1")
cat("crv1_se", format(sqrt(diag(v)), digits = 15), "\n")
cat("crv1_cov12", format(v[2, 3], digits = 15), "\n")
# 4. Cox score residuals
ro <- read.csv("tests/data/rossi.csv")
for (t in c("efron", "breslow")) {
  fc <- coxph(Surv(week, arrest) ~ fin + age + prio, data = ro, ties = t)
  s <- residuals(fc, type = "score")
  cat("score_resid", t, format(c(t(s[c(1, 2, 50, 432), ])), digits = 15), "\n")
}
# 5. Newcombe (1998) method 10 for a difference of independent proportions, from prop.test Wilson limits
mover <- function(x1, n1, x2, n2) {
  w1 <- prop.test(x1, n1, correct = FALSE)$conf.int; w2 <- prop.test(x2, n2, correct = FALSE)$conf.int
  p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
  c(d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2), d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
for (case in list(c(56, 70, 48, 80), c(9, 10, 3, 10), c(6, 7, 2, 7), c(5, 56, 0, 29), c(0, 10, 0, 20), c(10, 10, 0, 20)))
  cat("newcombe", case, format(mover(case[1], case[2], case[3], case[4]), digits = 15), "\n")

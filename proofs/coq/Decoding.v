(* Decoding.v -- the decoding lemma of the Index -> VAR reduction
   (proofs/reduction.md, margin lemma; proofs/sharpened.md, S1): one row of
   softmax attention whose query is C times a target key k_t, against M other
   keys.  The target's weight is at least 1/(1 + M e^{-C(nu - eps)}), every
   output coordinate lies within 1 - w_t of the target's value, and the
   decoder of reductions/index_var.c (varlb_decode_threshold,
   varlb_instance_decode_value: bit = [answer > (1 - eta^2)/2]) recovers every
   bit of every (1 +- eta)-approximate answer once 1 - w_t < (1 - eta)/2,
   which the margin C(1 - 2 eps) > ln M + ln((1 + eta)/(1 - eta)) that
   `varlb prove` checks (P3) guarantees.  Reals of Coq's standard library
   only. *)

From Coq Require Import Reals Lra Psatz.
(* No micromega caches written to the build directory. *)
Unset Lia Cache. Unset Nia Cache. Unset Nra Cache.
Local Open Scope R_scope.

(* ------------------------------------------------------------ finite sums *)

(* sum n f = f 0 + ... + f (n - 1); the empty sum is 0. *)
Fixpoint sum (n : nat) (f : nat -> R) : R :=
  match n with O => 0 | S k => sum k f + f k end.

Lemma sum_ext n f g :
  (forall j, (j < n)%nat -> f j = g j) -> sum n f = sum n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [reflexivity|].
  rewrite IH by (intros; apply H; lia). rewrite H by lia. reflexivity.
Qed.

Lemma sum_le n f g :
  (forall j, (j < n)%nat -> f j <= g j) -> sum n f <= sum n g.
Proof.
  induction n as [|n IH]; intros H; simpl; [lra|].
  assert (sum n f <= sum n g) by (apply IH; intros; apply H; lia).
  assert (f n <= g n) by (apply H; lia). lra.
Qed.

Lemma sum_const n c : sum n (fun _ => c) = INR n * c.
Proof.
  induction n as [|n IH]; simpl sum; [simpl; lra|]. rewrite IH, S_INR. lra.
Qed.

Lemma sum_plus n f g : sum n (fun j => f j + g j) = sum n f + sum n g.
Proof. induction n as [|n IH]; simpl; [lra|]. rewrite IH. lra. Qed.

Lemma sum_scal n c f : sum n (fun j => c * f j) = c * sum n f.
Proof. induction n as [|n IH]; simpl; [lra|]. rewrite IH. lra. Qed.

Lemma sum_nonneg n f : (forall j, (j < n)%nat -> 0 <= f j) -> 0 <= sum n f.
Proof.
  intros H. replace 0 with (sum n (fun _ => 0)).
  - apply sum_le. exact H.
  - rewrite sum_const. lra.
Qed.

Lemma sum_abs_le n f : Rabs (sum n f) <= sum n (fun j => Rabs (f j)).
Proof.
  induction n as [|n IH]; simpl; [rewrite Rabs_R0; lra|].
  eapply Rle_trans; [apply Rabs_triang|]. lra.
Qed.

Lemma abs_le_inv a b : Rabs a <= b -> - b <= a <= b.
Proof. unfold Rabs. destruct (Rcase_abs a); lra. Qed.

Lemma exp_mono x y : x <= y -> exp x <= exp y.
Proof. intros [H|<-]; [left; apply exp_increasing; exact H|right; reflexivity]. Qed.

(* ------------------------------------------------------- one row of attention *)

(* Keys and values are functions nat -> R read on their first d coordinates. *)
Definition dot (d : nat) (u w : nat -> R) : R := sum d (fun i => u i * w i).

Lemma dot_scal_l d c u w : dot d (fun i => c * u i) w = c * dot d u w.
Proof.
  unfold dot. rewrite <- sum_scal. apply sum_ext. intros. ring.
Qed.

(* The row: query q, the target token (key kt, value vt) and M other tokens
   (keys k j, values v j, j < M); Bob's zero keys are among the M others.
   Softmax over the M + 1 scores, no 1/sqrt d (reduction.md, sec. 1). *)
Section Row.
Variables (d M : nat) (q kt vt : nat -> R) (k v : nat -> nat -> R).

Definition e_t : R := exp (dot d q kt).
Definition e_o (j : nat) : R := exp (dot d q (k j)).
Definition denom : R := e_t + sum M e_o.
(* The target's softmax weight and output coordinate c. *)
Definition weight_t : R := e_t / denom.
Definition out (c : nat) : R := (e_t * vt c + sum M (fun j => e_o j * v j c)) / denom.
(* The off-target mass ratio of sharpened.md, S1. *)
Definition R_off : R := sum M (fun j => exp (dot d q (k j) - dot d q kt)).

Lemma e_t_pos : 0 < e_t.
Proof. apply exp_pos. Qed.

Lemma sum_e_o_nonneg : 0 <= sum M e_o.
Proof. apply sum_nonneg. intros. left. apply exp_pos. Qed.

Lemma denom_pos : 0 < denom.
Proof. unfold denom. pose proof e_t_pos. pose proof sum_e_o_nonneg. lra. Qed.

Lemma R_off_nonneg : 0 <= R_off.
Proof. apply sum_nonneg. intros. left. apply exp_pos. Qed.

(* w_t = 1/(1 + R_i): divide by e^{score of t}. *)
Lemma weight_t_R_off : weight_t = 1 / (1 + R_off).
Proof.
  assert (E : sum M e_o = e_t * R_off).
  { unfold R_off. rewrite <- sum_scal. apply sum_ext. intros j _.
    unfold e_o, e_t. unfold Rminus. rewrite exp_plus, exp_Ropp.
    field. apply Rgt_not_eq, exp_pos. }
  unfold weight_t, denom. rewrite E. pose proof e_t_pos. pose proof R_off_nonneg.
  field. split; nra.
Qed.

Lemma weight_t_pos : 0 < weight_t.
Proof. unfold weight_t. apply Rdiv_lt_0_compat; [apply e_t_pos|apply denom_pos]. Qed.

Lemma weight_t_le_1 : weight_t <= 1.
Proof.
  rewrite weight_t_R_off. pose proof R_off_nonneg.
  apply Rmult_le_reg_r with (1 + R_off); [lra|].
  unfold Rdiv. rewrite Rmult_assoc, Rinv_l by lra. lra.
Qed.

(* Every output coordinate is within 1 - w_t of the target's value when all
   values lie in an interval of length 1 (here [0, 1]). *)
Lemma out_minus_target c :
  out c - vt c = sum M (fun j => e_o j / denom * (v j c - vt c)).
Proof.
  pose proof denom_pos as Hd.
  assert (Hs : sum M (fun j => e_o j / denom * (v j c - vt c))
               = (sum M (fun j => e_o j * v j c) - vt c * sum M e_o) / denom).
  { rewrite (sum_ext M _ (fun j => / denom * (e_o j * v j c) + (- vt c / denom) * e_o j))
      by (intros; field; lra).
    rewrite sum_plus, !sum_scal. field. lra. }
  rewrite Hs. unfold out, denom in *. field. lra.
Qed.

Lemma one_minus_weight_t : 1 - weight_t = sum M e_o / denom.
Proof. pose proof denom_pos. unfold weight_t, denom in *. field. lra. Qed.

Theorem out_within_off_target_mass (lo : R) c :
  lo <= vt c <= lo + 1 ->
  (forall j, (j < M)%nat -> lo <= v j c <= lo + 1) ->
  Rabs (out c - vt c) <= 1 - weight_t.
Proof.
  intros Ht Ho. pose proof denom_pos.
  rewrite out_minus_target, one_minus_weight_t.
  eapply Rle_trans; [apply sum_abs_le|].
  unfold Rdiv at 2. rewrite Rmult_comm, <- sum_scal.
  apply sum_le. intros j Hj. specialize (Ho j Hj).
  rewrite Rabs_mult. rewrite (Rabs_right (e_o j / denom)).
  2: { left. apply Rdiv_lt_0_compat; [apply exp_pos|lra]. }
  assert (Rabs (v j c - vt c) <= 1) by (apply Rabs_le; lra).
  assert (0 <= e_o j / denom) by (left; apply Rdiv_lt_0_compat; [apply exp_pos|lra]).
  unfold Rdiv in *. nra.
Qed.

(* The target weight from the keys' geometry: query C k_t, <k_t,k_t> >= nu
   and <k_t,k_j> <= eps for every other key (zero keys: 0 <= eps). *)
Theorem weight_t_lower_bound (C nu eps : R) :
  0 <= C ->
  (forall i, q i = C * kt i) ->
  nu <= dot d kt kt ->
  (forall j, (j < M)%nat -> dot d kt (k j) <= eps) ->
  1 / (1 + INR M * exp (- (C * (nu - eps)))) <= weight_t.
Proof.
  intros HC Hq Hnu Heps.
  assert (Dq : forall w, dot d q w = C * dot d kt w).
  { intros w. rewrite <- dot_scal_l. unfold dot. apply sum_ext. intros. rewrite Hq. ring. }
  assert (HR : R_off <= INR M * exp (- (C * (nu - eps)))).
  { unfold R_off. rewrite <- sum_const. apply sum_le. intros j Hj.
    rewrite !Dq. apply exp_mono. specialize (Heps j Hj). nra. }
  rewrite weight_t_R_off. pose proof R_off_nonneg.
  apply Rmult_le_reg_r with ((1 + R_off) * (1 + INR M * exp (- (C * (nu - eps))))).
  { apply Rmult_lt_0_compat; lra. }
  unfold Rdiv. field_simplify; lra.
Qed.

End Row.

(* --------------------------------------------------------------- decoding *)

(* A (1 +- eta)-approximate answer: a positive factor within [1-eta, 1+eta]
   times the exact output (reductions/approx.c, varlb_approx_violations). *)
Definition approx (eta o a : R) : Prop := exists f, 1 - eta <= f <= 1 + eta /\ a = f * o.

(* varlb's threshold for {0,1} values (varlb_decode_threshold). *)
Definition tau_star (eta : R) : R := (1 - eta ^ 2) / 2.

(* The decoder: bit 1 iff the answer exceeds the threshold, strictly
   (varlb_instance_decode_value: o > threshold). *)
Definition decodes_to (tau a b : R) : Prop := (tau < a <-> b = 1).

(* The core inequality: an output within u of a bit b in {0,1}, with
   u < (1 - eta)/2, decodes to b at (1 - eta^2)/2 through any admissible
   answer. *)
Lemma decode_bit (eta u o a b : R) :
  0 <= eta < 1 -> (b = 0 \/ b = 1) -> 0 <= o ->
  Rabs (o - b) <= u -> u < (1 - eta) / 2 -> approx eta o a ->
  decodes_to (tau_star eta) a b.
Proof.
  intros Heta Hb Ho Hu Hm [f [Hf ->]]. unfold decodes_to, tau_star.
  apply abs_le_inv in Hu.
  destruct Hb as [-> | ->]; split; intros H; try lra.
  - (* b = 0: f o <= (1+eta) o < (1+eta)(1-eta)/2 *)
    exfalso. assert (o < (1 - eta) / 2) by lra. nra.
  - (* b = 1: f o >= (1-eta) o > (1-eta)(1+eta)/2 *)
    assert ((1 + eta) / 2 < o) by lra. nra.
Qed.

(* S1 and the margin lemma on one row, for {0,1} values, exact or
   (1 +- eta)-approximate answers. *)
Theorem decode_row_off_target_mass d M q kt vt k v (eta : R) c a :
  0 <= eta < 1 ->
  (vt c = 0 \/ vt c = 1) ->
  (forall j, (j < M)%nat -> 0 <= v j c <= 1) ->
  1 - weight_t d M q kt k < (1 - eta) / 2 ->
  approx eta (out d M q kt vt k v c) a ->
  decodes_to (tau_star eta) a (vt c).
Proof.
  intros Heta Hb Hv Hw Ha.
  apply decode_bit with (u := 1 - weight_t d M q kt k) (o := out d M q kt vt k v c);
    try assumption.
  - (* the output is a convex combination of values in [0, 1] *)
    unfold out. apply Rmult_le_pos; [|left; apply Rinv_0_lt_compat, denom_pos].
    apply Rplus_le_le_0_compat.
    + destruct Hb as [-> | ->]; [lra|]. left. rewrite Rmult_1_r. apply exp_pos.
    + apply sum_nonneg. intros j Hj. specialize (Hv j Hj).
      apply Rmult_le_pos; [left; apply exp_pos|lra].
  - apply out_within_off_target_mass with (lo := 0); [destruct Hb; lra|].
    intros j Hj. specialize (Hv j Hj). lra.
Qed.

(* sharpened.md, S1: every bit of the row decodes when R_i < (1-eta)/(1+eta). *)
Theorem S1_decodes d M q kt vt k v (eta : R) c a :
  0 <= eta < 1 ->
  (vt c = 0 \/ vt c = 1) ->
  (forall j, (j < M)%nat -> 0 <= v j c <= 1) ->
  R_off d M q kt k < (1 - eta) / (1 + eta) ->
  approx eta (out d M q kt vt k v c) a ->
  decodes_to (tau_star eta) a (vt c).
Proof.
  intros Heta Hb Hv HR Ha. apply (decode_row_off_target_mass d M q kt vt k v); try assumption.
  rewrite weight_t_R_off. pose proof (R_off_nonneg d M q kt k).
  set (R := R_off d M q kt k) in *.
  assert (HR' : R * (1 + eta) < 1 - eta).
  { apply Rmult_lt_reg_r with (/ (1 + eta)); [apply Rinv_0_lt_compat; lra|].
    rewrite Rmult_assoc, Rinv_r by lra. rewrite Rmult_1_r. exact HR. }
  replace (1 - 1 / (1 + R)) with (R / (1 + R)) by (field; lra).
  apply Rmult_lt_reg_r with (2 * (1 + R)); [lra|].
  unfold Rdiv. field_simplify; lra.
Qed.

(* r_max(tau, eta) of sharpened.md, S1: the largest R_i a threshold tau
   tolerates; tau_star attains the best, (1 - eta)/(1 + eta). *)
Definition r_max (tau eta : R) : R := Rmin (tau / (1 + eta - tau)) ((1 - eta - tau) / tau).

Theorem r_max_at_tau_star eta : 0 <= eta < 1 -> r_max (tau_star eta) eta = (1 - eta) / (1 + eta).
Proof.
  intros H. unfold r_max, tau_star.
  replace (1 - eta ^ 2) with ((1 - eta) * (1 + eta)) by ring.
  replace ((1 - eta) * (1 + eta) / 2 / (1 + eta - (1 - eta) * (1 + eta) / 2))
    with ((1 - eta) / (1 + eta)) by (field; nra).
  replace ((1 - eta - (1 - eta) * (1 + eta) / 2) / ((1 - eta) * (1 + eta) / 2))
    with ((1 - eta) / (1 + eta)) by (field; lra).
  apply Rmin_left. lra.
Qed.

Theorem tau_star_maximises_r_max tau eta :
  0 <= eta < 1 -> 0 < tau < 1 + eta -> r_max tau eta <= (1 - eta) / (1 + eta).
Proof.
  intros He Ht. unfold r_max.
  destruct (Rle_dec tau (tau_star eta)) as [Hle|Hgt]; unfold tau_star in *.
  - (* tau below tau*: the first term is at most the best *)
    eapply Rle_trans; [apply Rmin_l|].
    apply Rmult_le_reg_r with ((1 + eta - tau) * (1 + eta)); [nra|].
    unfold Rdiv. field_simplify; nra.
  - eapply Rle_trans; [apply Rmin_r|].
    apply Rmult_le_reg_r with (tau * (1 + eta)); [nra|].
    unfold Rdiv. field_simplify; nra.
Qed.

(* The margin lemma as `varlb prove` checks it (P3): C(1 - 2 eps) > ln M +
   ln((1+eta)/(1-eta)), keys with <k_t,k_t> >= 1 - eps (the paper's scaled
   keys after Lemma 3; unit keys have 1) and <k_t,k_j> <= eps; then the
   decoder recovers every bit of every (1 +- eta)-approximate answer. *)
Theorem margin_decodes d M kt vt k v (C eps eta : R) c a :
  (1 <= M)%nat -> 0 <= C -> 0 <= eta < 1 ->
  C * (1 - 2 * eps) > ln (INR M) + ln ((1 + eta) / (1 - eta)) ->
  1 - eps <= dot d kt kt ->
  (forall j, (j < M)%nat -> dot d kt (k j) <= eps) ->
  (vt c = 0 \/ vt c = 1) ->
  (forall j, (j < M)%nat -> 0 <= v j c <= 1) ->
  approx eta (out d M (fun i => C * kt i) kt vt k v c) a ->
  decodes_to (tau_star eta) a (vt c).
Proof.
  intros HM HC Heta Hmargin Hnu Heps Hb Hv Ha.
  set (R0 := INR M * exp (- (C * ((1 - eps) - eps)))).
  assert (HM' : 0 < INR M) by (apply lt_0_INR; lia).
  assert (HR0 : R0 < (1 - eta) / (1 + eta)).
  { unfold R0. rewrite <- ln_exp with (x := C * (1 - 2 * eps)) in Hmargin.
    rewrite <- ln_mult in Hmargin by (try assumption; apply Rdiv_lt_0_compat; lra).
    apply ln_lt_inv in Hmargin; [|apply Rmult_lt_0_compat; [lra|apply Rdiv_lt_0_compat; lra]
                                 |apply exp_pos].
    replace (- (C * (1 - eps - eps))) with (- (C * (1 - 2 * eps))) by ring.
    rewrite exp_Ropp. pose proof (exp_pos (C * (1 - 2 * eps))).
    apply Rmult_lt_reg_r with (exp (C * (1 - 2 * eps)) * (1 + eta)); [nra|].
    assert (INR M * (1 + eta) < exp (C * (1 - 2 * eps)) * (1 - eta)).
    { replace (INR M * (1 + eta)) with (INR M * ((1 + eta) / (1 - eta)) * (1 - eta))
        by (field; lra).
      apply Rmult_lt_compat_r; lra. }
    unfold Rdiv. field_simplify; lra. }
  apply (decode_row_off_target_mass d M (fun i => C * kt i) kt vt k v); try assumption.
  pose proof (weight_t_lower_bound d M (fun i => C * kt i) kt k C (1 - eps) eps HC
                (fun i => eq_refl) Hnu Heps) as Hw.
  fold R0 in Hw.
  assert (0 <= R0) by (unfold R0; pose proof (exp_pos (- (C * (1 - eps - eps)))); nra).
  assert (1 - weight_t d M (fun i => C * kt i) kt k <= R0 / (1 + R0)).
  { replace (R0 / (1 + R0)) with (1 - 1 / (1 + R0)) by (field; lra). lra. }
  assert (R0 / (1 + R0) < (1 - eta) / 2).
  { assert (R0 * (1 + eta) < 1 - eta).
    { apply Rmult_lt_reg_r with (/ (1 + eta)); [apply Rinv_0_lt_compat; lra|].
      rewrite Rmult_assoc, Rinv_r by lra. lra. }
    apply Rmult_lt_reg_r with (2 * (1 + R0)); [lra|].
    unfold Rdiv. field_simplify; lra. }
  lra.
Qed.

(* The exact variant (eta = 0): the output itself, threshold 1/2. *)
Corollary margin_decodes_exact d M kt vt k v (C eps : R) c :
  (1 <= M)%nat -> 0 <= C ->
  C * (1 - 2 * eps) > ln (INR M) ->
  1 - eps <= dot d kt kt ->
  (forall j, (j < M)%nat -> dot d kt (k j) <= eps) ->
  (vt c = 0 \/ vt c = 1) ->
  (forall j, (j < M)%nat -> 0 <= v j c <= 1) ->
  (1 / 2 < out d M (fun i => C * kt i) kt vt k v c <-> vt c = 1).
Proof.
  intros HM HC Hm Hnu Heps Hb Hv.
  replace (1 / 2) with (tau_star 0) by (unfold tau_star; field).
  apply (margin_decodes d M kt vt k v C eps 0); try assumption; try lra.
  - replace ((1 + 0) / (1 - 0)) with 1 by field. rewrite ln_1. lra.
  - exists 1. split; [lra|ring].
Qed.

(* The issue's form: a unit target key, |<k_t,k_j>| <= eps for the M other
   keys: the target weight is at least 1/(1 + M e^{-C(1-eps)}). *)
Corollary unit_key_weight_t d M kt k (C eps : R) :
  0 <= C -> dot d kt kt = 1 ->
  (forall j, (j < M)%nat -> Rabs (dot d kt (k j)) <= eps) ->
  1 / (1 + INR M * exp (- (C * (1 - eps)))) <= weight_t d M (fun i => C * kt i) kt k.
Proof.
  intros HC Hu Heps. apply weight_t_lower_bound; try assumption.
  - intros. reflexivity.
  - lra.
  - intros j Hj. specialize (Heps j Hj). apply abs_le_inv in Heps. lra.
Qed.

(* +-1 values (--values pm1), decoded by sign: w_t > 1/2 suffices for any
   eta < 1 (sharpened.md, S1, last paragraph). *)
Theorem pm1_decodes_by_sign d M q kt vt k v (eta : R) c a :
  0 <= eta < 1 ->
  (vt c = -1 \/ vt c = 1) ->
  (forall j, (j < M)%nat -> -1 <= v j c <= 1) ->
  1 / 2 < weight_t d M q kt k ->
  approx eta (out d M q kt vt k v c) a ->
  (0 < a <-> vt c = 1).
Proof.
  intros Heta Hb Hv Hw [f [Hf ->]].
  (* the output is within 2 (1 - w_t) of the target value in [-1, 1] *)
  assert (H2 : Rabs (out d M q kt vt k v c - vt c) <= 2 * (1 - weight_t d M q kt k)).
  { pose (v' := fun j i => (v j i + 1) / 2). pose (vt' := fun i => (vt i + 1) / 2).
    assert (E : out d M q kt vt k v c = 2 * out d M q kt vt' k v' c - 1).
    { unfold out, vt', v'. pose proof (denom_pos d M q kt k) as Hd.
      assert (Hs : sum M (fun j => e_o d q k j * ((v j c + 1) / 2))
                   = / 2 * sum M (fun j => e_o d q k j * v j c) + / 2 * sum M (e_o d q k)).
      { rewrite <- !sum_scal, <- sum_plus. apply sum_ext. intros. field. }
      rewrite Hs. unfold denom in *. field. lra. }
    rewrite E. replace (2 * out d M q kt vt' k v' c - 1 - vt c)
      with (2 * (out d M q kt vt' k v' c - vt' c)) by (unfold vt'; field).
    rewrite Rabs_mult, Rabs_right by lra. apply Rmult_le_compat_l; [lra|].
    apply out_within_off_target_mass with (lo := 0); unfold vt', v'.
    - destruct Hb as [-> | ->]; lra.
    - intros j Hj. specialize (Hv j Hj). lra. }
  apply abs_le_inv in H2. destruct Hb as [E|E]; rewrite E in *; split; intros H; try lra.
  - exfalso. assert (out d M q kt vt k v c < 0) by lra. nra.
  - assert (0 < out d M q kt vt k v c) by lra. nra.
Qed.

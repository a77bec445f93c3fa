(* Hyp0F1.v -- the confluent hypergeometric limit function 0F1(; h; x) =
   sum_m x^m / (m! (h)_m), defined as a Coquelicot series, with a certified
   enclosure: the first K+1 terms enclosed by integer arithmetic with
   directed rounding (scaled by 2^s, computed by vm_compute), and the tail
   bounded by twice the next term once the term ratio x/((m+1)(h+m)) is at
   most 1/2.  The sharpened chain's S3 for unit Gaussian keys is
   e^{-C} 0F1(; d/2; C^2/4) (proofs/sharpened.md, S2''; unit_gaussian_other
   in proofs/lemmas.c sums the same series in MPFR). *)

From Coq Require Import Reals Lra Psatz ZArith.
Set Warnings "-notation-overridden,-ambiguous-paths".
From Coquelicot Require Import Coquelicot.
Set Warnings "notation-overridden,ambiguous-paths".
(* No micromega caches written to the build directory. *)
Unset Lia Cache. Unset Nia Cache. Unset Nra Cache.
Local Open Scope R_scope.

(* ------------------------------------------------------------ the series *)

(* The rising factorial (h)_m = h (h+1) ... (h+m-1). *)
Fixpoint rising (h : R) (m : nat) : R :=
  match m with O => 1 | S m' => rising h m' * (h + INR m') end.

(* The m-th term x^m / (m! (h)_m). *)
Definition term (h x : R) (m : nat) : R := x ^ m / (INR (fact m) * rising h m).

Definition hyp0f1 (h x : R) : R := Series (term h x).

Lemma rising_pos h m : 0 < h -> 0 < rising h m.
Proof.
  intros Hh. induction m as [|m IH]; simpl; [lra|].
  apply Rmult_lt_0_compat; [exact IH|]. pose proof (pos_INR m). lra.
Qed.

(* The ratio of consecutive terms. *)
Lemma term_S h x m : 0 < h ->
  term h x (S m) = term h x m * (x / ((INR m + 1) * (h + INR m))).
Proof.
  intros Hh. unfold term. simpl rising. simpl pow.
  rewrite fact_simpl, mult_INR, S_INR.
  pose proof (rising_pos h m Hh). pose proof (INR_fact_lt_0 m). pose proof (pos_INR m).
  field. repeat split; nra.
Qed.

Lemma term_nonneg h x m : 0 < h -> 0 <= x -> 0 <= term h x m.
Proof.
  intros Hh Hx. unfold term. apply Rmult_le_pos; [apply pow_le; exact Hx|].
  left. apply Rinv_0_lt_compat, Rmult_lt_0_compat; [apply INR_fact_lt_0|apply rising_pos, Hh].
Qed.

(* Past K the ratio is at most rho: the tail is at most term K / (1 - rho). *)
Section Tail.
Variables (a : nat -> R) (K : nat) (rho : R).
Hypothesis a_nonneg : forall m, 0 <= a m.
Hypothesis rho_range : 0 <= rho < 1.
Hypothesis ratio : forall m, (K <= m)%nat -> a (S m) <= rho * a m.

Lemma tail_geom j : a (K + j)%nat <= a K * rho ^ j.
Proof.
  induction j as [|j IH]; [rewrite Nat.add_0_r; simpl; lra|].
  rewrite Nat.add_succ_r. eapply Rle_trans; [apply ratio; lia|].
  simpl pow. pose proof (a_nonneg K). nra.
Qed.

Lemma ex_series_tail : ex_series (fun j => a (K + j)%nat).
Proof.
  apply (@ex_series_le R_AbsRing R_CompleteNormedModule) with (b := fun j => a K * rho ^ j).
  - intros j. rewrite Rabs_pos_eq by apply a_nonneg. apply tail_geom.
  - apply (ex_series_scal_l (a K) (fun j => rho ^ j)). apply ex_series_geom.
    rewrite Rabs_pos_eq; lra.
Qed.

Lemma ex_series_geom_tail : ex_series a.
Proof. apply (ex_series_incr_n a K). exact ex_series_tail. Qed.

Lemma series_tail_le : Series (fun j => a (K + j)%nat) <= a K / (1 - rho).
Proof.
  unfold Rdiv. rewrite <- Series_geom by (rewrite Rabs_pos_eq; lra).
  rewrite <- Series_scal_l. apply Series_le.
  - intros j. split; [apply a_nonneg|apply tail_geom].
  - apply (ex_series_scal_l (a K) (fun j => rho ^ j)). apply ex_series_geom.
    rewrite Rabs_pos_eq; lra.
Qed.

Lemma series_tail_nonneg : 0 <= Series (fun j => a (K + j)%nat).
Proof.
  replace 0 with (Series (fun j => 0 * a (K + j)%nat)) by (rewrite Series_scal_l; ring).
  apply Series_le.
  - intros j. pose proof (a_nonneg (K + j)). split; lra.
  - exact ex_series_tail.
Qed.

(* The series between its partial sum up to K - 1 and that plus the tail bound. *)
Theorem series_enclosure :
  (0 < K)%nat ->
  sum_f_R0 a (pred K) <= Series a <= sum_f_R0 a (pred K) + a K / (1 - rho).
Proof.
  intros HK. rewrite (Series_incr_n a K HK ex_series_geom_tail).
  pose proof series_tail_nonneg. pose proof series_tail_le. lra.
Qed.
End Tail.

(* ------------------------------------------- integer enclosure of the terms *)

(* ceil(a / b) and floor(a / b) for b > 0, and their real meaning. *)
Definition zceil (a b : Z) : Z := - ((- a) / b).

Lemma zfloor_le a b : (0 < b)%Z -> IZR (a / b) <= IZR a / IZR b.
Proof.
  intros Hb. pose proof (Z.mod_pos_bound a b Hb) as Hm.
  pose proof (Z.div_mod a b (Z.neq_sym _ _ (Z.lt_neq _ _ Hb))) as E.
  apply IZR_lt in Hb.
  apply Rmult_le_reg_r with (IZR b); [exact Hb|].
  unfold Rdiv. rewrite Rmult_assoc, Rinv_l by lra. rewrite Rmult_1_r.
  assert (H : (b * (a / b) <= a)%Z) by lia. apply IZR_le in H.
  rewrite mult_IZR in H. lra.
Qed.

Lemma zceil_ge a b : (0 < b)%Z -> IZR a / IZR b <= IZR (zceil a b).
Proof.
  intros Hb. unfold zceil. rewrite opp_IZR.
  pose proof (zfloor_le (- a) b Hb) as H. rewrite opp_IZR in H.
  apply IZR_lt in Hb. unfold Rdiv in *. lra.
Qed.

(* The terms of 0F1(; hn/hd; xn/xd) scaled by 2^s: ratio numerator xn hd,
   denominator xd (m+1)(hn + hd m); up rounds up, lo rounds down. *)
Section Enclose.
Variables (xn xd hn hd : Z) (s : Z).
Hypotheses (xn_nonneg : (0 <= xn)%Z) (xd_pos : (0 < xd)%Z)
           (hn_pos : (0 < hn)%Z) (hd_pos : (0 < hd)%Z) (s_nonneg : (0 <= s)%Z).

Definition rnum : Z := xn * hd.
Definition rden (m : nat) : Z := xd * (Z.of_nat m + 1) * (hn + hd * Z.of_nat m).

Fixpoint zup (m : nat) : Z :=
  match m with O => 2 ^ s | S m' => zceil (zup m' * rnum) (rden m') end.
Fixpoint zlo (m : nat) : Z :=
  match m with O => 2 ^ s | S m' => (zlo m' * rnum) / rden m' end.
Fixpoint zsum (z : nat -> Z) (m : nat) : Z :=
  match m with O => z O | S m' => zsum z m' + z m end.

Let h := IZR hn / IZR hd.
Let x := IZR xn / IZR xd.
Let sc := IZR (2 ^ s).

Lemma h_pos : 0 < h.
Proof. unfold h. apply Rdiv_lt_0_compat; apply IZR_lt; assumption. Qed.

Lemma x_nonneg : 0 <= x.
Proof.
  unfold x. apply Rmult_le_pos; [apply IZR_le; assumption|].
  left. apply Rinv_0_lt_compat, IZR_lt. assumption.
Qed.

Lemma sc_pos : 0 < sc.
Proof. unfold sc. apply IZR_lt. apply Z.pow_pos_nonneg; lia. Qed.

Lemma rden_pos m : (0 < rden m)%Z.
Proof. unfold rden. apply Z.mul_pos_pos; [apply Z.mul_pos_pos|]; lia. Qed.

Lemma ratio_eq m : x / ((INR m + 1) * (h + INR m)) = IZR rnum / IZR (rden m).
Proof.
  unfold x, h, rnum, rden. rewrite !mult_IZR, !plus_IZR, mult_IZR, <- INR_IZR_INZ.
  apply IZR_lt in xd_pos. apply IZR_lt in hn_pos. apply IZR_lt in hd_pos.
  pose proof (pos_INR m). field. repeat split; try nra.
Qed.

Lemma ratio_nonneg m : 0 <= IZR rnum / IZR (rden m).
Proof.
  apply Rmult_le_pos; [apply IZR_le; unfold rnum; nia|].
  left. apply Rinv_0_lt_compat, IZR_lt, rden_pos.
Qed.

Lemma zlo_nonneg m : (0 <= zlo m)%Z.
Proof.
  induction m as [|m IH]; simpl; [apply Z.pow_nonneg; lia|].
  apply Z.div_pos; [unfold rnum; nia|apply rden_pos].
Qed.

Theorem zup_ge m : term h x m <= IZR (zup m) / sc.
Proof.
  pose proof sc_pos. induction m as [|m IH].
  - unfold term. simpl. fold sc. field_simplify; lra.
  - rewrite term_S by apply h_pos. rewrite ratio_eq. simpl zup.
    eapply Rle_trans; [|apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; lra|apply zceil_ge, rden_pos]].
    rewrite mult_IZR. unfold Rdiv. pose proof (ratio_nonneg m) as Hr. unfold Rdiv in Hr.
    replace (IZR (zup m) * IZR rnum * / IZR (rden m) * / sc)
      with (IZR (zup m) * / sc * (IZR rnum * / IZR (rden m))) by ring.
    apply Rmult_le_compat_r; [exact Hr|exact IH].
Qed.

Theorem zlo_le m : IZR (zlo m) / sc <= term h x m.
Proof.
  pose proof sc_pos. induction m as [|m IH].
  - unfold term. simpl. fold sc. field_simplify; lra.
  - rewrite term_S by apply h_pos. rewrite ratio_eq. simpl zlo.
    eapply Rle_trans; [apply Rmult_le_compat_r; [left; apply Rinv_0_lt_compat; lra|apply zfloor_le, rden_pos]|].
    rewrite mult_IZR. unfold Rdiv. pose proof (ratio_nonneg m) as Hr. unfold Rdiv in Hr.
    replace (IZR (zlo m) * IZR rnum * / IZR (rden m) * / sc)
      with (IZR (zlo m) * / sc * (IZR rnum * / IZR (rden m))) by ring.
    apply Rmult_le_compat_r; [exact Hr|exact IH].
Qed.

Lemma zsum_eq (z : nat -> Z) m : IZR (zsum z m) / sc = sum_f_R0 (fun j => IZR (z j) / sc) m.
Proof.
  pose proof sc_pos. induction m as [|m IH]; simpl; [reflexivity|].
  rewrite plus_IZR, <- IH. field. lra.
Qed.

(* 0F1(; h; x) enclosed: lower end the rounded-down partial sum up to K,
   upper end the rounded-up partial sum plus twice the next rounded-up term,
   valid once the ratio at K+1 is at most 1/2 (2 rnum <= rden (K+1); the
   ratio falls with m). *)
Theorem hyp0f1_enclosure K :
  (2 * rnum <= rden (S K))%Z ->
  IZR (zsum zlo K) / sc <= hyp0f1 h x <= (IZR (zsum zup K) + 2 * IZR (zup (S K))) / sc.
Proof.
  intros Hratio. pose proof sc_pos as Hsc. pose proof h_pos as Hh. pose proof x_nonneg as Hx.
  assert (Hrho : forall m, (S K <= m)%nat -> term h x (S m) <= / 2 * term h x m).
  { intros m Hm. rewrite term_S by exact Hh. rewrite ratio_eq.
    rewrite Rmult_comm. apply Rmult_le_compat_r; [apply term_nonneg; assumption|].
    apply Rmult_le_reg_r with (IZR (rden m)); [apply IZR_lt, rden_pos|].
    unfold Rdiv. rewrite Rmult_assoc, Rinv_l by (apply not_0_IZR; pose proof (rden_pos m); lia).
    rewrite Rmult_1_r.
    assert (H : (2 * rnum <= rden m)%Z).
    { eapply Z.le_trans; [exact Hratio|]. unfold rden.
      assert (Z.of_nat (S K) <= Z.of_nat m)%Z by lia. nia. }
    apply IZR_le in H. rewrite mult_IZR in H. lra. }
  destruct (series_enclosure (term h x) (S K) (/ 2) (fun m => term_nonneg h x m Hh Hx)
              ltac:(lra) Hrho ltac:(lia)) as [Hlo Hhi].
  simpl pred in Hlo, Hhi. fold (hyp0f1 h x) in Hlo, Hhi.
  split.
  - eapply Rle_trans; [|exact Hlo]. rewrite zsum_eq.
    apply sum_Rle. intros j _. apply zlo_le.
  - eapply Rle_trans; [exact Hhi|].
    pose proof (zup_ge (S K)) as Hn.
    assert (Hs : sum_f_R0 (term h x) K <= IZR (zsum zup K) / sc).
    { rewrite zsum_eq. apply sum_Rle. intros j _. apply zup_ge. }
    replace (term h x (S K) / (1 - / 2)) with (2 * term h x (S K)) by field.
    apply Rle_trans with (IZR (zsum zup K) / sc + 2 * (IZR (zup (S K)) / sc)); [lra|].
    right. field. lra.
Qed.
End Enclose.

(* The same sums in one pass (the sums above recompute every term: K^2
   divisions), with the integers named, so that a caller computes them once
   with vm_compute and the kernel checks each equation with the VM. *)
Definition step_up xn xd hn hd (m : nat) (t : Z) : Z := zceil (t * rnum xn hd) (rden xd hn hd m).
Definition step_lo xn xd hn hd (m : nat) (t : Z) : Z := (t * rnum xn hd) / rden xd hn hd m.

(* (term m, sum of terms 0..m) *)
Fixpoint zacc (step : nat -> Z -> Z) (t0 : Z) (m : nat) : Z * Z :=
  match m with
  | O => (t0, t0)
  | S m' => let (t, acc) := zacc step t0 m' in let t' := step m' t in (t', (acc + t')%Z)
  end.

Lemma zacc_up xn xd hn hd s m :
  zacc (step_up xn xd hn hd) (2 ^ s) m = (zup xn xd hn hd s m, zsum (zup xn xd hn hd s) m).
Proof. induction m as [|m IH]; simpl; [reflexivity|]. rewrite IH. reflexivity. Qed.

Lemma zacc_lo xn xd hn hd s m :
  zacc (step_lo xn xd hn hd) (2 ^ s) m = (zlo xn xd hn hd s m, zsum (zlo xn xd hn hd s) m).
Proof. induction m as [|m IH]; simpl; [reflexivity|]. rewrite IH. reflexivity. Qed.

Corollary hyp0f1_bounds xn xd hn hd s K tl lo nx upn sc :
  (0 <= xn)%Z -> (0 < xd)%Z -> (0 < hn)%Z -> (0 < hd)%Z -> (0 <= s)%Z ->
  (2 * rnum xn hd <= rden xd hn hd (S K))%Z ->
  zacc (step_lo xn xd hn hd) (2 ^ s) K = (tl, lo) ->
  zacc (step_up xn xd hn hd) (2 ^ s) (S K) = (nx, upn) ->
  (2 ^ s)%Z = sc ->
  IZR lo / IZR sc <= hyp0f1 (IZR hn / IZR hd) (IZR xn / IZR xd) <= (IZR upn + IZR nx) / IZR sc.
Proof.
  intros H1 H2 H3 H4 H5 Hr Hl Hu <-.
  rewrite zacc_lo in Hl. rewrite zacc_up in Hu.
  apply pair_equal_spec in Hl as [_ <-]. apply pair_equal_spec in Hu as [<- <-].
  change (zsum (zup xn xd hn hd s) (S K))
    with (zsum (zup xn xd hn hd s) K + zup xn xd hn hd s (S K))%Z.
  rewrite plus_IZR.
  replace (IZR (zsum (zup xn xd hn hd s) K) + IZR (zup xn xd hn hd s (S K))
           + IZR (zup xn xd hn hd s (S K)))
    with (IZR (zsum (zup xn xd hn hd s) K) + 2 * IZR (zup xn xd hn hd s (S K))) by ring.
  exact (hyp0f1_enclosure xn xd hn hd s H1 H2 H3 H4 H5 K Hr).
Qed.

(* Counting.v -- the counting bound behind the "impossible" verdict
   (src/stats.c, varlb_judge_strata and verdict_rule): a compressor whose
   blob takes at most 2^B' values, and any decoder, get at least t bits of x
   right for at most 2^B' sum_{k >= t} C(N,k) of the 2^N strings x.  Stated
   for any finite set S of possible blobs; the fixed-length form (B-bit
   blobs) and the variable-length form (blobs of at most B bits whose length
   takes L values: judged at B + ceil(log2 L) bits) follow.  With the tail
   bound of Entropy.v: at most 2^{B' + N H2(p)} strings, p = t/N >= 1/2.
   MathComp (ssreflect) for the finite counting. *)

From Coq Require Import Reals Lra.
From Varlb Require Import Entropy.
Set Warnings "-notation-overridden".
From mathcomp Require Import all_ssreflect.
Set Warnings "notation-overridden".
(* No micromega caches written to the build directory. *)
Unset Lia Cache. Unset Nia Cache. Unset Nra Cache.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

(* The number of positions where x and y agree. *)
Definition agree N (x y : N.-tuple bool) : nat := #|[set i : 'I_N | tnth x i == tnth y i]|.

(* The strings that agree with y in at least t positions: the Hamming ball. *)
Definition ball N (y : N.-tuple bool) (t : nat) := [set x : N.-tuple bool | t <= agree x y].

Section Ball.
Variables (N : nat) (y : N.-tuple bool).

(* The string that agrees with y exactly on A. *)
Definition flip_off (A : {set 'I_N}) : N.-tuple bool :=
  [tuple (if i \in A then tnth y i else ~~ tnth y i) | i < N].

Lemma agree_set_flip_off A : [set i | tnth (flip_off A) i == tnth y i] = A.
Proof.
  apply/setP => i; rewrite inE tnth_mktuple.
  by case: (i \in A); rewrite ?eqxx //; case: (tnth y i).
Qed.

Lemma flip_off_inj : injective flip_off.
Proof. by move=> A B E; rewrite -(agree_set_flip_off A) E agree_set_flip_off. Qed.

Lemma flip_off_agree x : flip_off [set i | tnth x i == tnth y i] = x.
Proof.
  apply: eq_from_tnth => i; rewrite tnth_mktuple inE.
  by case: (tnth x i); case: (tnth y i).
Qed.

(* Exactly k agreements: C(N, k) strings (one per set of k positions). *)
Lemma card_agree_eq k : #|[set x : N.-tuple bool | agree x y == k]| = 'C(N, k).
Proof.
  rewrite -[in RHS](card_ord N) -card_draws.
  have -> : [set x : N.-tuple bool | agree x y == k]
            = flip_off @: [set A : {set 'I_N} | #|A| == k].
  { apply/setP => x; rewrite inE; apply/idP/imsetP.
    - move=> Hk; exists [set i | tnth x i == tnth y i]; last by rewrite flip_off_agree.
      by rewrite inE.
    - by case=> A; rewrite inE => HA ->; rewrite /agree agree_set_flip_off. }
  exact: card_imset flip_off_inj.
Qed.

Lemma agree_le x : agree x y <= N.
Proof. by rewrite /agree -[X in _ <= X](card_ord N) max_card. Qed.

(* The same sum, over k >= t only, as a range (as in the issue). *)
Lemma sum_tail_range t :
  \sum_(t <= k < N.+1) 'C(N, k) = \sum_(k < N.+1 | t <= k) 'C(N, k).
Proof. by rewrite big_geq_mkord; apply: eq_bigl => k. Qed.

(* The ball: sum_{t <= k <= N} C(N, k) strings. *)
Theorem card_ball t : #|ball y t| = \sum_(t <= k < N.+1) 'C(N, k).
Proof.
  rewrite sum_tail_range -sum1_card.
  rewrite (partition_big (fun x => inord (agree x y) : 'I_N.+1) (fun k : 'I_N.+1 => t <= k)).
  2: { by move=> x; rewrite inE inordK // ltnS agree_le. }
  apply: eq_bigr => k Htk.
  rewrite -(card_agree_eq k) -sum1_card. apply: eq_bigl => x.
  rewrite !inE. apply/andP/eqP.
  - by case=> _ /eqP <-; rewrite inordK // ltnS agree_le.
  - move=> E; split; first by rewrite E.
    by apply/eqP/val_inj; rewrite /= inordK // ltnS agree_le.
Qed.

End Ball.

(* ------------------------------------------------------ the counting bound *)

Section Counting.
Variables (N B' : nat) (T : finType) (S : {set T}).
Variables (f : N.-tuple bool -> T) (g : T -> N.-tuple bool).
Hypothesis f_in_S : forall x, f x \in S.

(* The strings x whose decoded string g (f x) has at least t right bits. *)
Definition good t := [set x : N.-tuple bool | t <= agree x (g (f x))].

(* The general form: any finite set S of possible blobs. *)
Theorem counting_bound t : #|good t| <= #|S| * \sum_(t <= k < N.+1) 'C(N, k).
Proof.
  rewrite -sum1_card (partition_big f (mem S)) //=.
  rewrite -sum_nat_const. apply: leq_sum => s Hs.
  have Hsub : [set x in good t | f x == s] \subset ball (g s) t.
  { by apply/subsetP => x; rewrite /good !inE => /andP[H /eqP <-]. }
  rewrite -(card_ball (g s) t). apply: leq_trans (subset_leq_card Hsub).
  by rewrite -sum1_card; apply: eq_leq; apply: eq_bigl => x; rewrite !inE.
Qed.

Corollary counting_bound_pow t :
  #|S| <= 2 ^ B' -> #|good t| <= 2 ^ B' * \sum_(t <= k < N.+1) 'C(N, k).
Proof.
  move=> HS. apply: (leq_trans (counting_bound t)). by rewrite leq_mul2r HS orbT.
Qed.

End Counting.

(* Fixed-length blobs: f : {0,1}^N -> {0,1}^B. *)
Corollary counting_bound_fixed N B (f : N.-tuple bool -> B.-tuple bool)
  (g : B.-tuple bool -> N.-tuple bool) t :
  #|[set x : N.-tuple bool | t <= agree x (g (f x))]|
  <= 2 ^ B * \sum_(t <= k < N.+1) 'C(N, k).
Proof.
  apply: (@counting_bound_pow N B _ [set: B.-tuple bool] f g) => [x|]; first by rewrite inE.
  by rewrite cardsT card_tuple card_bool.
Qed.

(* Variable-length blobs: a blob is a length l <= B and l bits; its length
   takes values in the set Lens (L = #|Lens| of them).  There are at most
   L 2^B such blobs <= 2^{B + ceil(log2 L)}: the verdicts may judge a
   variable-length compressor at bits charged + ceil(log2 L). *)
Definition vblob B := {l : 'I_B.+1 & l.-tuple bool}.

Lemma card_vblobs B (Lens : {set 'I_B.+1}) :
  #|[set b : vblob B | tag b \in Lens]| <= #|Lens| * 2 ^ B.
Proof.
  rewrite -sum1_card (partition_big (fun b : vblob B => tag b) (mem Lens)) /=; last first.
  { by move=> b; rewrite inE. }
  rewrite -sum_nat_const. apply: leq_sum => l Hl.
  have Hsub : [set b : vblob B | tag b == l] \subset
              (fun w : l.-tuple bool => Tagged (fun l : 'I_B.+1 => l.-tuple bool) w)
                @: [set: l.-tuple bool].
  { apply/subsetP => -[l' w]; rewrite inE /= => /eqP E; subst l'.
    by apply/imsetP; exists w; rewrite ?inE. }
  apply: (@leq_trans #|[set b : vblob B | tag b == l]|).
  - rewrite -sum1_card; apply: eq_leq; apply: eq_bigl => b; rewrite !inE.
    by case: eqP => [->|]; rewrite ?andbT ?andbF.
  - apply: leq_trans (subset_leq_card Hsub) _. apply: leq_trans (leq_imset_card _ _) _.
    by rewrite cardsT card_tuple card_bool leq_exp2l // -ltnS ltn_ord.
Qed.

Lemma vblobs_pow B (Lens : {set 'I_B.+1}) :
  #|[set b : vblob B | tag b \in Lens]| <= 2 ^ (B + up_log 2 #|Lens|).
Proof.
  apply: (leq_trans (card_vblobs Lens)). rewrite expnD mulnC leq_mul2l.
  by rewrite up_logP ?orbT.
Qed.

Corollary counting_bound_variable N B (Lens : {set 'I_B.+1})
  (f : N.-tuple bool -> vblob B) (g : vblob B -> N.-tuple bool) t :
  (forall x, tag (f x) \in Lens) ->
  #|[set x : N.-tuple bool | t <= agree x (g (f x))]|
  <= 2 ^ (B + up_log 2 #|Lens|) * \sum_(t <= k < N.+1) 'C(N, k).
Proof.
  move=> Hf. apply: (@counting_bound_pow N _ _ [set b : vblob B | tag b \in Lens] f g).
  - by move=> x; rewrite inE.
  - exact: vblobs_pow.
Qed.

(* ------------------------------------------------- with the entropy tail *)

Lemma fact_eq n : n`! = fact n.
Proof. by elim: n => // n IH; rewrite factS IH. Qed.

Lemma INR_fact n : INR n`! = INR (fact n).
Proof. by rewrite fact_eq. Qed.

Lemma INR_muln a b : INR (a * b) = (INR a * INR b)%R.
Proof. exact: mult_INR. Qed.

Lemma INR_binomial n k : k <= n -> INR 'C(n, k) = Binomial.C n k.
Proof.
  move=> Hk. rewrite /Binomial.C.
  have E : (INR 'C(n, k) * (INR (fact k) * INR (fact (Nat.sub n k))))%R = INR (fact n).
  { have -> : Nat.sub n k = n - k by [].
    by rewrite -!INR_fact -!INR_muln (bin_fact Hk). }
  have P : (0 < INR (fact k) * INR (fact (Nat.sub n k)))%R.
  { by apply: Rmult_lt_0_compat; apply: INR_fact_lt_0. }
  rewrite -E. field. by split; apply: Rgt_not_eq; apply: INR_fact_lt_0.
Qed.

Lemma INR_plus a b : INR (a + b) = (INR a + INR b)%R.
Proof. exact: plus_INR. Qed.

Lemma INR_tail N t : INR (\sum_(t <= k < N.+1) 'C(N, k)) = tail N t.
Proof.
  have Hif : forall k, k <= N ->
    INR (if t <= k then 'C(N, k) else 0) = if (t <=? k)%nat then Binomial.C N k else 0%R.
  { move=> k Hk. case: (Nat.leb_spec t k) => Ht.
    - have -> : t <= k by apply/leP. exact: INR_binomial.
    - have -> : (t <= k) = false by apply/negbTE; rewrite -ltnNge; apply/ltP.
      by []. }
  rewrite sum_tail_range big_mkcond /tail.
  have : forall n, n <= N ->
    INR (\sum_(k < n.+1) (if t <= k then 'C(N, k) else 0))
    = sum_f_R0 (fun k => if (t <=? k)%nat then Binomial.C N k else 0%R) n.
  { elim=> [|n IH] HnN.
    - by rewrite big_ord_recr big_ord0 /= add0n Hif.
    - by rewrite big_ord_recr /= INR_plus IH ?(ltnW HnN) // Hif. }
  by move=> /(_ N (leqnn N)).
Qed.


Lemma INR_pow2 n : INR (2 ^ n) = pow2 (INR n).
Proof.
  rewrite /pow2 -pow_exp; last by lra.
  elim: n => // n IH. by rewrite expnS mult_INR IH.
Qed.

(* The Fano form: with p = t/N-or-less >= 1/2, at most 2^{B' + N H2(p)} of
   the 2^N strings get t or more bits right, i.e. a fraction at most
   2^{B' - N (1 - H2(p))}. *)
Theorem counting_bound_entropy N B' (T : finType) (S : {set T})
  (f : N.-tuple bool -> T) (g : T -> N.-tuple bool) t (p : R) :
  (forall x, f x \in S) -> #|S| <= 2 ^ B' ->
  (1 / 2 <= p <= 1)%R -> (p * INR N <= INR t)%R ->
  (INR #|[set x : N.-tuple bool | (t <= agree x (g (f x)))%N]|
   <= pow2 (INR B' + INR N * H2 p))%R.
Proof.
  move=> Hf HS Hp Ht.
  have /leP/le_INR H := @counting_bound_pow N B' T S f g Hf t HS.
  apply: Rle_trans H _.
  rewrite mult_INR INR_tail INR_pow2 /pow2 Rmult_plus_distr_r exp_plus.
  apply: Rmult_le_compat_l; first by left; apply: exp_pos.
  exact: binomial_tail_entropy.
Qed.

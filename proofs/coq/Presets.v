(* Presets.v -- the numeric side conditions `varlb prove` checks for the
   256/512/1024px presets at d = 64 (eps = 0.1, eta = 0, unit Gaussian keys,
   the default C, target failure 7/30 rounded down to a double), proved with
   the interval tactic: the paper's chain P1 (the d Lemma 3 needs), P3 (the
   margin, and through Decoding.v the decoder recovering every bit), P4, and
   the sharpened chain S1 (r_max = 1 at the threshold 1/2), S3 (E R_i =
   (N_A - 1) e^{-C} 0F1(; d/2; C^2/4) + z e^{-C}, with 0F1 defined and
   enclosed in Hyp0F1.v) and S4 (N_A E R_i / r_max <= target).  C, eps and
   the target are the doubles varlb uses, written as exact hexadecimal
   literals; tests/coq_constants.sh compares every constant and enclosure
   here with `varlb prove --json`.  What is not formalized: that E R_i is
   this expression (the sphere's law, sharpened.md S2''), Markov and the
   union bound (S4's probability statement). *)

From Coq Require Import Reals Lra Lia ZArith.
Set Warnings "-abstract-large-number".
Set Warnings "-notation-overridden,-ambiguous-paths".
From Interval Require Import Tactic.
Set Warnings "notation-overridden,ambiguous-paths".
From Varlb Require Import Decoding Hyp0F1.
(* No micromega caches written to the build directory. *)
Unset Lia Cache. Unset Nia Cache. Unset Nra Cache.
Local Open Scope R_scope.

(* ---------------------------------------------------- shared parameters *)


Definition d : Z := 64.
(* eps = 0.1 as the double varlb stores (0.1000000000000000055...). *)
Definition eps : R := 0x1.999999999999ap-4.
Definition eta : R := 0.
(* 7/30 rounded down to a double (prove.c: nextafter (7.0/30.0, 0.0)). *)
Definition target : R := 0x1.dddddddddddddp-3.

Lemma target_below_7_30 : target < 7 / 30.
Proof. unfold target. lra. Qed.

(* S1 at eta = 0: the threshold is 1/2 and r_max = 1. *)
Lemma threshold_at_eta : tau_star eta = 1 / 2.
Proof. unfold tau_star, eta. field. Qed.

Lemma r_max_at_eta : r_max (tau_star eta) eta = 1.
Proof. rewrite r_max_at_tau_star; unfold eta; [field|lra]. Qed.


(* ---------------------------------------------------------- the presets *)

(* The three presets (their schedules: 256px 1,2,3,4,5,6,8,10,13,16; 512px
   1,2,3,4,6,9,13,18,24,32; 1024px 1,2,3,4,5,7,9,12,16,21,27,36,48,64) and
   their numbers, a row a quantity: the counts, C (the double varlb uses) and
   its mantissa over 2^48, the enclosures proved below (lo, hi) and the d
   P1 needs.  Every theorem below is proved once for all three. *)
Inductive preset := P256 | P512 | P1024.
Definition pick {A : Type} (p : preset) (a256 a512 a1024 : A) : A :=
  match p with P256 => a256 | P512 => a512 | P1024 => a1024 end.

(*                                  256px                512px                1024px *)
Local Open Scope Z_scope.
Definition NA_of    p : Z := pick p 424                  1216                 5355.
Definition z_of     p : Z := pick p 256                  1024                 4096.
Definition M_of     p : Z := pick p 679                  2239                 9450.
Definition P1_d_of  p : Z := pick p 8067                 9472                 11448.
Definition mant_of  p : Z := pick p 0x104d3290c72d98     0x1348d278b9b2e9     0x16e269ae1ec031.
Local Open Scope R_scope.
Definition C_of     p : R := pick p 0x1.04d3290c72d98p+4 0x1.348d278b9b2e9p+4 0x1.6e269ae1ec031p+4.
Definition F_lo_of  p : R := pick p 7.5051020128         16.283221858         48.004153257.
Definition F_hi_of  p : R := pick p 7.5051020129         16.283221859         48.004153258.
Definition ER_lo_of p : R := pick p 0.0002855637         0.00008771977        0.00003007768.
Definition ER_hi_of p : R := pick p 0.0002855638         0.00008771978        0.00003007769.
Definition S4_lo_of p : R := pick p 0.121079             0.1066672            0.1610659.
Definition S4_hi_of p : R := pick p 0.1210791            0.1066673            0.161066.
Definition P3_lo_of p : R := pick p 6.520621             7.713784             9.15377.
Definition P3_hi_of p : R := pick p 6.520622             7.713785             9.153771.
Definition P1_lo_of p : R := pick p 8066.31127           9471.09608           11447.7146.
Definition P1_hi_of p : R := pick p 8066.31128           9471.09609           11447.7147.

Lemma C_mant p : C_of p = IZR (mant_of p) / IZR (2 ^ 48).
Proof. destruct p; unfold C_of, mant_of, pick; simpl; lra. Qed.

(* 0F1(; 64/2; C^2/4) for C = mant 2^-e: the integers of Hyp0F1.v computed
   by vm_compute (scale 2^160, 41 terms), then checked by the kernel's VM. *)
Ltac enclose_F C mant e :=
  let xn := constr:((mant * mant)%Z) in
  let xd := constr:((2 ^ (2 * e + 2))%Z) in
  let Hx := fresh "Hx" in
  assert (Hx : C ^ 2 / 4 = IZR xn / IZR xd) by (unfold C_of, mant_of, pick; rewrite mult_IZR; simpl; lra);
  rewrite Hx; clear Hx;
  let s := constr:(160%Z) in
  let K := constr:(40%nat) in
  let lo := eval vm_compute in (zacc (step_lo xn xd 64 2) (2 ^ s) K) in
  let up := eval vm_compute in (zacc (step_up xn xd 64 2) (2 ^ s) (S K)) in
  let sc := eval vm_compute in (2 ^ s)%Z in
  let H := fresh "HF" in
  lazymatch lo with (?tl, ?l) => lazymatch up with (?nx, ?u) =>
  pose proof (hyp0f1_bounds xn xd 64 2 s K tl l nx u sc
                ltac:(now vm_compute) ltac:(now vm_compute) ltac:(now vm_compute)
                ltac:(now vm_compute) ltac:(now vm_compute) ltac:(now vm_compute)
                ltac:(vm_compute; reflexivity) ltac:(vm_compute; reflexivity)
                ltac:(vm_compute; reflexivity)) as H end end;
  let F := fresh "F" in set (F := hyp0f1 _ _) in *; clearbody F; interval with (i_prec 80).

(* E R_i for unit Gaussian keys (S3) and the failure bound (S4). *)
Definition ER (NA z C : R) : R := (NA - 1) * (exp (- C) * hyp0f1 (IZR d / 2) (C ^ 2 / 4)) + z * exp (- C).
Definition S4 (NA z C : R) : R := NA * ER NA z C / r_max (tau_star eta) eta.
(* The paper's chain: P1's d, P3's margin. *)
Definition P1 (NA : R) : R := 12 * ln NA / (eps ^ 2 - eps ^ 3).
Definition P3 (M : Z) (C : R) : R := C * (1 - 2 * eps) - ln (IZR M) - ln ((1 + eta) / (1 - eta)).

(* What the enclosures give, for any preset: the margin makes every bit of
   every row decode (Decoding.v, margin_decodes) once the keys have the
   margin lemma's geometry (reduction.md); S4 below the target leaves the
   failure budget; P1's enclosure places the d Lemma 3 needs. *)
Definition decodes_at (M : Z) (C : R) : Prop :=
  forall dim kt vt k v c a,
  1 - eps <= dot dim kt kt ->
  (forall j, (j < Z.to_nat M)%nat -> dot dim kt (k j) <= eps) ->
  (vt c = 0 \/ vt c = 1) ->
  (forall j, (j < Z.to_nat M)%nat -> 0 <= v j c <= 1) ->
  approx eta (out dim (Z.to_nat M) (fun i => C * kt i) kt vt k v c) a ->
  decodes_to (tau_star eta) a (vt c).

Lemma decodes_of_margin M C lo :
  (1 <= M)%Z -> 0 <= C -> 0 < lo -> lo <= P3 M C -> decodes_at M C.
Proof.
  intros HM HC Hlo Hm dim kt vt k v c a H1 H2 H3 H4 H5.
  apply (margin_decodes dim (Z.to_nat M) kt vt k v C eps eta); try assumption.
  - lia.
  - unfold eta. lra.
  - rewrite INR_IZR_INZ, Z2Nat.id by lia. unfold P3 in Hm. lra.
Qed.

(* Everything a preset's enclosures give, proved once for all presets. *)
Record conclusions (NA z M : Z) (C : R) (D : Z) : Prop := {
  (* S4: N_A E R_i / r_max at most the target, and the failure budget *)
  S4_holds : S4 (IZR NA) (IZR z) C <= target;
  budget : 2 / 3 <= 9 / 10 - S4 (IZR NA) (IZR z) C;
  (* P4: the paper's success 9/10 - 4/N_A > 2/3 *)
  P4_holds : 2 / 3 < 9 / 10 - 4 / IZR NA;
  (* P1: Lemma 3 needs d >= D, far above d *)
  P1_fails_at_d : IZR D - 1 < P1 (IZR NA) <= IZR D /\ IZR d < P1 (IZR NA);
  (* P3: the margin, so every bit decodes *)
  decodes : decodes_at M C }.

Theorem conclusions_of NA z M C D s4_hi p1_lo p1_hi p3_lo :
  S4 (IZR NA) (IZR z) C <= s4_hi -> s4_hi <= target ->
  p1_lo <= P1 (IZR NA) <= p1_hi -> IZR D - 1 < p1_lo -> p1_hi <= IZR D -> IZR d < p1_lo ->
  (1 <= M)%Z -> 0 <= C -> 0 < p3_lo -> p3_lo <= P3 M C -> (18 <= NA)%Z ->
  conclusions NA z M C D.
Proof.
  intros Hs Ht Hp HD1 HD2 Hd HM HC H3 Hm HNA. pose proof target_below_7_30.
  apply IZR_le in HNA.
  split; try lra.
  - (* 4/N_A < 7/30 once N_A >= 18 > 120/7 *)
    apply Rplus_lt_reg_r with (4 / IZR NA - 2 / 3).
    apply Rmult_lt_reg_r with (IZR NA); [lra|]. field_simplify; lra.
  - eapply decodes_of_margin; eassumption.
Qed.

(* Unfold a preset's constants for interval, HF bounding 0F1. *)
Ltac preset_interval :=
  unfold S4, ER, P1, P3 in *; rewrite ?r_max_at_eta in *; unfold target, eps, eta in *;
  try (set (F := hyp0f1 _ _) in *; clearbody F);
  interval with (i_prec 60).

(* ------------------------------------------ every preset's enclosures *)

Record enclosures (p : preset) : Prop := {
  layout : M_of p = (NA_of p + z_of p - 1)%Z;
  F_enclosure : F_lo_of p <= hyp0f1 (IZR d / 2) (C_of p ^ 2 / 4) <= F_hi_of p;
  S3_enclosure : ER_lo_of p <= ER (IZR (NA_of p)) (IZR (z_of p)) (C_of p) <= ER_hi_of p;
  S4_enclosure : S4_lo_of p <= S4 (IZR (NA_of p)) (IZR (z_of p)) (C_of p) <= S4_hi_of p;
  P1_enclosure : P1_lo_of p <= P1 (IZR (NA_of p)) <= P1_hi_of p;
  P3_enclosure : P3_lo_of p <= P3 (M_of p) (C_of p) <= P3_hi_of p }.

(* 0F1 first (enclose_F), then S3, S4, P1 and P3 from it by interval. *)
Theorem enclosed p : enclosures p.
Proof.
  assert (HF : F_lo_of p <= hyp0f1 (IZR d / 2) (C_of p ^ 2 / 4) <= F_hi_of p)
    by (destruct p; unfold d, F_lo_of, F_hi_of, pick;
        lazymatch goal with |- context [C_of ?q] => enclose_F (C_of q) (mant_of q) 48%Z end).
  split; [now destruct p | exact HF | ..];
    destruct p; unfold NA_of, z_of, M_of, C_of, F_lo_of, F_hi_of, ER_lo_of, ER_hi_of,
      S4_lo_of, S4_hi_of, P3_lo_of, P3_hi_of, P1_lo_of, P1_hi_of, pick in *;
    preset_interval.
Qed.

(* Each preset's conclusions (conclusions_of), from its enclosures. *)
Definition conclusions_at p := conclusions (NA_of p) (z_of p) (M_of p) (C_of p) (P1_d_of p).

Theorem chain p : conclusions_at p.
Proof.
  destruct (enclosed p) as [_ _ _ HS4 HP1 HP3].
  apply (conclusions_of _ _ _ _ _ (S4_hi_of p) (P1_lo_of p) (P1_hi_of p) (P3_lo_of p));
    try apply HS4; try apply HP1; try apply HP3; clear HS4 HP1 HP3;
    destruct p; unfold S4_hi_of, target, P1_lo_of, P1_hi_of, P1_d_of, d, M_of, C_of,
      P3_lo_of, NA_of, pick; (lra || lia).
Qed.

Theorem chain_256 : conclusions_at P256.
Proof. apply chain. Qed.
Theorem chain_512 : conclusions_at P512.
Proof. apply chain. Qed.
Theorem chain_1024 : conclusions_at P1024.
Proof. apply chain. Qed.

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


(* 0F1(; 64/2; C^2/4) for C = mant 2^-e: the integers of Hyp0F1.v computed
   by vm_compute (scale 2^160, 41 terms), then checked by the kernel's VM. *)
Ltac enclose_F C mant e :=
  let xn := constr:((mant * mant)%Z) in
  let xd := constr:((2 ^ (2 * e + 2))%Z) in
  let Hx := fresh "Hx" in
  assert (Hx : C ^ 2 / 4 = IZR xn / IZR xd) by (unfold C, mant; rewrite mult_IZR; simpl; lra);
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

(* ------------------------------------------------ 256px: schedule 1,2,3,4,5,6,8,10,13,16 *)

Definition NA_256 : Z := 424.
Definition z_256 : Z := 256.
Definition M_256 : Z := 679.
Definition C_256 : R := 0x1.04d3290c72d98p+4.
Definition mant_256 : Z := 0x104d3290c72d98.
Definition F_lo_256 : R := 7.5051020128.
Definition F_hi_256 : R := 7.5051020129.
Definition ER_lo_256 : R := 0.0002855637.
Definition ER_hi_256 : R := 0.0002855638.
Definition S4_lo_256 : R := 0.121079.
Definition S4_hi_256 : R := 0.1210791.
Definition P3_lo_256 : R := 6.520621.
Definition P3_hi_256 : R := 6.520622.
Definition P1_lo_256 : R := 8066.31127.
Definition P1_hi_256 : R := 8066.31128.
Definition P1_d_256 : Z := 8067.

Lemma layout_256 : M_256 = (NA_256 + z_256 - 1)%Z.
Proof. reflexivity. Qed.

Lemma C_mant_256 : C_256 = IZR mant_256 / IZR (2 ^ 48).
Proof. unfold C_256, mant_256. simpl. lra. Qed.

Lemma F_256 : F_lo_256 <= hyp0f1 (IZR d / 2) (C_256 ^ 2 / 4) <= F_hi_256.
Proof. unfold d, F_lo_256, F_hi_256. enclose_F C_256 mant_256 48%Z. Qed.

Lemma S3_256 : ER_lo_256 <= ER (IZR NA_256) (IZR z_256) C_256 <= ER_hi_256.
Proof.
  pose proof F_256. unfold ER, ER_lo_256, ER_hi_256, F_lo_256, F_hi_256, NA_256, z_256, C_256 in *.
  preset_interval.
Qed.

Lemma S4_enclosure_256 : S4_lo_256 <= S4 (IZR NA_256) (IZR z_256) C_256 <= S4_hi_256.
Proof.
  pose proof F_256. unfold S4, ER, S4_lo_256, S4_hi_256, F_lo_256, F_hi_256, NA_256, z_256, C_256 in *.
  preset_interval.
Qed.

Lemma P1_enclosure_256 : P1_lo_256 <= P1 (IZR NA_256) <= P1_hi_256.
Proof. unfold P1_lo_256, P1_hi_256, NA_256. preset_interval. Qed.

Lemma P3_enclosure_256 : P3_lo_256 <= P3 M_256 C_256 <= P3_hi_256.
Proof. unfold P3_lo_256, P3_hi_256, M_256, C_256. preset_interval. Qed.

(* The preset's conclusions (conclusions_of). *)
Theorem chain_256 : conclusions NA_256 z_256 M_256 C_256 P1_d_256.
Proof.
  apply (conclusions_of _ _ _ _ _ S4_hi_256 P1_lo_256 P1_hi_256 P3_lo_256);
    try apply S4_enclosure_256; try apply P1_enclosure_256; try apply P3_enclosure_256;
    unfold S4_hi_256, target, P1_lo_256, P1_hi_256, P1_d_256, d, M_256, C_256, P3_lo_256, NA_256;
    (lra || lia).
Qed.

(* ------------------------------------------------ 512px: schedule 1,2,3,4,6,9,13,18,24,32 *)

Definition NA_512 : Z := 1216.
Definition z_512 : Z := 1024.
Definition M_512 : Z := 2239.
Definition C_512 : R := 0x1.348d278b9b2e9p+4.
Definition mant_512 : Z := 0x1348d278b9b2e9.
Definition F_lo_512 : R := 16.283221858.
Definition F_hi_512 : R := 16.283221859.
Definition ER_lo_512 : R := 0.00008771977.
Definition ER_hi_512 : R := 0.00008771978.
Definition S4_lo_512 : R := 0.1066672.
Definition S4_hi_512 : R := 0.1066673.
Definition P3_lo_512 : R := 7.713784.
Definition P3_hi_512 : R := 7.713785.
Definition P1_lo_512 : R := 9471.09608.
Definition P1_hi_512 : R := 9471.09609.
Definition P1_d_512 : Z := 9472.

Lemma layout_512 : M_512 = (NA_512 + z_512 - 1)%Z.
Proof. reflexivity. Qed.

Lemma C_mant_512 : C_512 = IZR mant_512 / IZR (2 ^ 48).
Proof. unfold C_512, mant_512. simpl. lra. Qed.

Lemma F_512 : F_lo_512 <= hyp0f1 (IZR d / 2) (C_512 ^ 2 / 4) <= F_hi_512.
Proof. unfold d, F_lo_512, F_hi_512. enclose_F C_512 mant_512 48%Z. Qed.

Lemma S3_512 : ER_lo_512 <= ER (IZR NA_512) (IZR z_512) C_512 <= ER_hi_512.
Proof.
  pose proof F_512. unfold ER, ER_lo_512, ER_hi_512, F_lo_512, F_hi_512, NA_512, z_512, C_512 in *.
  preset_interval.
Qed.

Lemma S4_enclosure_512 : S4_lo_512 <= S4 (IZR NA_512) (IZR z_512) C_512 <= S4_hi_512.
Proof.
  pose proof F_512. unfold S4, ER, S4_lo_512, S4_hi_512, F_lo_512, F_hi_512, NA_512, z_512, C_512 in *.
  preset_interval.
Qed.

Lemma P1_enclosure_512 : P1_lo_512 <= P1 (IZR NA_512) <= P1_hi_512.
Proof. unfold P1_lo_512, P1_hi_512, NA_512. preset_interval. Qed.

Lemma P3_enclosure_512 : P3_lo_512 <= P3 M_512 C_512 <= P3_hi_512.
Proof. unfold P3_lo_512, P3_hi_512, M_512, C_512. preset_interval. Qed.

(* The preset's conclusions (conclusions_of). *)
Theorem chain_512 : conclusions NA_512 z_512 M_512 C_512 P1_d_512.
Proof.
  apply (conclusions_of _ _ _ _ _ S4_hi_512 P1_lo_512 P1_hi_512 P3_lo_512);
    try apply S4_enclosure_512; try apply P1_enclosure_512; try apply P3_enclosure_512;
    unfold S4_hi_512, target, P1_lo_512, P1_hi_512, P1_d_512, d, M_512, C_512, P3_lo_512, NA_512;
    (lra || lia).
Qed.

(* ------------------------------------------------ 1024px: schedule 1,2,3,4,5,7,9,12,16,21,27,36,48,64 *)

Definition NA_1024 : Z := 5355.
Definition z_1024 : Z := 4096.
Definition M_1024 : Z := 9450.
Definition C_1024 : R := 0x1.6e269ae1ec031p+4.
Definition mant_1024 : Z := 0x16e269ae1ec031.
Definition F_lo_1024 : R := 48.004153257.
Definition F_hi_1024 : R := 48.004153258.
Definition ER_lo_1024 : R := 0.00003007768.
Definition ER_hi_1024 : R := 0.00003007769.
Definition S4_lo_1024 : R := 0.1610659.
Definition S4_hi_1024 : R := 0.161066.
Definition P3_lo_1024 : R := 9.15377.
Definition P3_hi_1024 : R := 9.153771.
Definition P1_lo_1024 : R := 11447.7146.
Definition P1_hi_1024 : R := 11447.7147.
Definition P1_d_1024 : Z := 11448.

Lemma layout_1024 : M_1024 = (NA_1024 + z_1024 - 1)%Z.
Proof. reflexivity. Qed.

Lemma C_mant_1024 : C_1024 = IZR mant_1024 / IZR (2 ^ 48).
Proof. unfold C_1024, mant_1024. simpl. lra. Qed.

Lemma F_1024 : F_lo_1024 <= hyp0f1 (IZR d / 2) (C_1024 ^ 2 / 4) <= F_hi_1024.
Proof. unfold d, F_lo_1024, F_hi_1024. enclose_F C_1024 mant_1024 48%Z. Qed.

Lemma S3_1024 : ER_lo_1024 <= ER (IZR NA_1024) (IZR z_1024) C_1024 <= ER_hi_1024.
Proof.
  pose proof F_1024. unfold ER, ER_lo_1024, ER_hi_1024, F_lo_1024, F_hi_1024, NA_1024, z_1024, C_1024 in *.
  preset_interval.
Qed.

Lemma S4_enclosure_1024 : S4_lo_1024 <= S4 (IZR NA_1024) (IZR z_1024) C_1024 <= S4_hi_1024.
Proof.
  pose proof F_1024. unfold S4, ER, S4_lo_1024, S4_hi_1024, F_lo_1024, F_hi_1024, NA_1024, z_1024, C_1024 in *.
  preset_interval.
Qed.

Lemma P1_enclosure_1024 : P1_lo_1024 <= P1 (IZR NA_1024) <= P1_hi_1024.
Proof. unfold P1_lo_1024, P1_hi_1024, NA_1024. preset_interval. Qed.

Lemma P3_enclosure_1024 : P3_lo_1024 <= P3 M_1024 C_1024 <= P3_hi_1024.
Proof. unfold P3_lo_1024, P3_hi_1024, M_1024, C_1024. preset_interval. Qed.

(* The preset's conclusions (conclusions_of). *)
Theorem chain_1024 : conclusions NA_1024 z_1024 M_1024 C_1024 P1_d_1024.
Proof.
  apply (conclusions_of _ _ _ _ _ S4_hi_1024 P1_lo_1024 P1_hi_1024 P3_lo_1024);
    try apply S4_enclosure_1024; try apply P1_enclosure_1024; try apply P3_enclosure_1024;
    unfold S4_hi_1024, target, P1_lo_1024, P1_hi_1024, P1_d_1024, d, M_1024, C_1024, P3_lo_1024, NA_1024;
    (lra || lia).
Qed.

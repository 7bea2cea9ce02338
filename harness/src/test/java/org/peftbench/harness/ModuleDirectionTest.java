package org.peftbench.harness;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module direction: tensor → autograd → transformer → peft → harness, and datasets beside the
 * model side with no dependency on it; tokenizers (used by transformer) and codebleu (used by
 * datasets) depend on no other module; bench (the measurements, used by the harness's {@code bench}
 * commands) sits on the model side below the harness. Checked on the compiled classes of every
 * module on the harness's classpath (all of them).
 */
class ModuleDirectionTest {
  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.peftbench");
  }

  @Test
  void everyModuleIsOnTheClasspath() {
    for (String pkg :
        java.util.List.of(
            "org.peftbench.tensor",
            "org.peftbench.autograd",
            "org.peftbench.tokenizers",
            "org.peftbench.transformer",
            "org.peftbench.peft",
            "org.peftbench.codebleu",
            "org.peftbench.datasets",
            "org.peftbench.bench",
            "org.peftbench.harness")) {
      org.assertj.core.api.Assertions.assertThat(classes.containPackage(pkg)).as(pkg).isTrue();
    }
  }

  @Test
  void tensorDependsOnNoOtherPeftbenchPackage() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.tensor..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.autograd..",
            "org.peftbench.transformer..",
            "org.peftbench.peft..",
            "org.peftbench.datasets..",
            "org.peftbench.harness..",
            "org.peftbench.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void autogradOnlyOnTensor() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.autograd..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.transformer..",
            "org.peftbench.peft..",
            "org.peftbench.datasets..",
            "org.peftbench.harness..",
            "org.peftbench.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void transformerOnlyOnAutogradAndTensor() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.transformer..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.peft..",
            "org.peftbench.datasets..",
            "org.peftbench.harness..",
            "org.peftbench.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void peftNotOnHarnessOrDatasets() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.peft..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.datasets..", "org.peftbench.harness..", "org.peftbench.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void datasetsOnNoModelSidePackage() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.datasets..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.tensor..",
            "org.peftbench.autograd..",
            "org.peftbench.transformer..",
            "org.peftbench.peft..",
            "org.peftbench.harness..",
            "org.peftbench.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void codebleuOnNoOtherPeftbenchPackage() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.codebleu..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.tensor..",
            "org.peftbench.autograd..",
            "org.peftbench.transformer..",
            "org.peftbench.peft..",
            "org.peftbench.datasets..",
            "org.peftbench.harness..",
            "org.peftbench.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void benchNotOnHarnessOrDatasets() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.bench..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.harness..", "org.peftbench.datasets..", "org.peftbench.codebleu..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void tokenizersOnNoOtherPeftbenchPackage() {
    noClasses()
        .that()
        .resideInAPackage("org.peftbench.tokenizers..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.peftbench.tensor..",
            "org.peftbench.autograd..",
            "org.peftbench.transformer..",
            "org.peftbench.peft..",
            "org.peftbench.codebleu..",
            "org.peftbench.datasets..",
            "org.peftbench.harness..",
            "org.peftbench.bench..")
        .allowEmptyShould(true)
        .check(classes);
  }
}

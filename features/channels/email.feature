@email
Feature: Email over SMTP, with opens, clicks, unsubscribes and bounces tracked as real senders do
  The platform sends real MIME messages (HTML and text, List-Unsubscribe on marketing mail) to an SMTP server;
  opens come from a tracking pixel and clicks from redirecting links the platform serves.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the email sender "news@acme.test"
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing email
    And a marketing email campaign "Spring":
      | subject | Spring is here |
      | html    | <p>Hi {{ profile.firstName }}, <a href="https://shop.acme.test/spring">see the collection</a></p> |

  Scenario: An email is opened and clicked, and the report counts both
    When the campaign "Spring" is sent to Alice
    Then Alice receives an email "Spring is here"
    When Alice opens the email "Spring is here"
    And Alice clicks "see the collection" in the email "Spring is here"
    Then Alice's browser opens "https://shop.acme.test/spring"
    And the report of "Spring" shows:
      | sent | delivered | opened | clicked |
      | 1    | 1         | 1      | 1       |

  Scenario: An unsubscribe stops the next marketing email
    When the campaign "Spring" is sent to Alice
    And Alice unsubscribes from the email "Spring is here"
    And the campaign "Spring" is sent to Alice
    Then Alice was excluded from "Spring" with EmailNoConsent 050101

  Scenario: A hard bounce suppresses the address for later sends
    Given Alice's mailbox bounces
    When the campaign "Spring" is sent to Alice
    Then Alice receives no email
    And the report of "Spring" shows:
      | sent | bounces |
      | 1    | 1       |
    When the campaign "Spring" is sent to Alice
    Then Alice was excluded from "Spring" with EmailSuppressed 050102

  Scenario: Marketing email without consent is excluded; a transactional one goes
    Given Bob has an Android phone with the "Shop" app
    And Bob has refused marketing email
    And a transactional email campaign "Receipt":
      | subject | Your receipt          |
      | text    | Thanks for your order |
    When the campaign "Spring" is sent to Bob
    And the campaign "Receipt" is sent to Bob
    Then Bob was excluded from "Spring" with EmailNoConsent 050101
    And Bob receives an email "Your receipt"

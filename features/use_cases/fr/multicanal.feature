# language: fr
@use_cases @multicanal
Fonctionnalité: Messagerie multicanal : des soldes, six étapes, tous les canaux, le consentement à chacune
  Le parcours en six étapes de l'amorce, en français (fixtures/journeys/soldes-multicanal.yaml et
  service-client.yaml). Mercredi à 09:00, une notification push annonce les soldes et fait entrer dans l'application ;
  là, un message in-app donne -15 % aujourd'hui, une carte de contenu garde l'offre jusqu'à vendredi (elle expire à la
  fin du vendredi) et l'accueil de l'application s'adapte à ce que fait la personne (une expérience code). Qui n'a pas
  ouvert la notification quatre heures plus tard reçoit un SMS de rappel avec le code ; les questions posées sur
  WhatsApp reçoivent une réponse et, sur demande, un conseiller.
  Elle prouve que chaque canal respecte son consentement : pas de push sans consentement push, pas de SMS sans
  consentement SMS, ni offre in-app ni carte pour qui a refusé les push marketing (une règle de consentement), chaque
  exclusion enregistrée avec sa raison et son code, et comptée dans le rapport du parcours.

  Contexte:
    Soit l'application "Shop" d'identifiant "com.acme.shop"
    Et le numéro d'envoi SMS "+33644630015"
    Et le numéro WhatsApp Business "+33644630099"
    Et les offres in-app exigent le consentement marketing push
    Et les offres content card exigent le consentement marketing push
    Et l'audience "clients" des personnes où "true"
    Et le parcours "soldes-multicanal" est publié
    Et le parcours "service-client" est publié
    Et Alice a un iPhone avec l'application "Shop"
    Et Alice vit dans le fuseau horaire "Europe/Paris"
    Et Alice a accepté les push marketing
    Et Alice a accepté les SMS marketing
    Et Bruno a un téléphone Android avec l'application "Shop"
    Et Bruno a accepté les push marketing
    Et Bruno a refusé les SMS marketing
    Et Chloé a un iPhone avec l'application "Shop"
    Et Chloé a refusé les push marketing
    Et Chloé a accepté les SMS marketing

  Scénario: Alice entre par la notification, profite de -15 % dans l'application, et l'accueil suit ce qu'elle fait
    Quand nous sommes mercredi 09:00
    Alors Alice voit la notification "Les soldes commencent" qui dit "-15 % aujourd'hui, uniquement dans l'application"
    Et Alice est dans le parcours "soldes-multicanal" à l'étape "venue"
    Quand Alice touche la notification "Les soldes commencent"
    Alors l'application "Shop" est ouverte sur le téléphone d'Alice sur "shop://soldes"
    Alors Alice voit le message in-app "-15 % aujourd'hui"
    Et le message in-app sur le téléphone d'Alice a les boutons "J'en profite" et "Plus tard"
    Quand Alice touche "J'en profite" dans le message in-app
    Alors Alice ne voit aucun message in-app
    Et l'application "Shop" est ouverte sur le téléphone d'Alice sur "shop://soldes"
    Et l'application "Shop" d'Alice montre les cartes de contenu "-15 % jusqu'à vendredi"
    Et l'expérience "home#hero" de l'application "Shop" d'Alice montre "C'est les soldes : -15 % dans l'application"
    Quand l'application "Shop" d'Alice suit l'état "soldes"
    Alors l'expérience "home#hero" de l'application "Shop" d'Alice montre "Notre sélection soldes pour vous, Alice"
    Quand l'application "Shop" d'Alice suit l'action "add_to_cart"
    Alors l'expérience "home#hero" de l'application "Shop" d'Alice montre "Votre panier profite de -15 % au paiement"
    Quand 4 heures passent
    Alors Alice ne reçoit aucun SMS
    Et le chemin d'Alice dans le parcours "soldes-multicanal" est "offre, carte, accueil, annonce, venue, attente"
    Et l'entonnoir de l'étape "annonce" du parcours "soldes-multicanal" est :
      | ciblés | exclus | envoyés | remis | ouverts |
      | 3      | 1      | 2       | 2     | 1       |
    Et l'entonnoir de l'étape "offre" du parcours "soldes-multicanal" est :
      | affichés | cliqués |
      | 1        | 1       |

  Scénario: Qui n'est pas entré reçoit un SMS quatre heures plus tard, et chaque canal respecte son consentement
    Quand nous sommes mercredi 09:00
    Alors Bruno voit la notification "Les soldes commencent"
    Et Chloé voit aucune notification
    Et Chloé a été exclue à l'étape "annonce" du parcours "soldes-multicanal" avec PushNoConsent 050111
    Et Chloé a été exclue à l'étape "offre" du parcours "soldes-multicanal" avec PushNoConsent 050111
    Et Chloé a été exclue à l'étape "carte" du parcours "soldes-multicanal" avec PushNoConsent 050111
    Quand 3 heures passent
    Alors Chloé ne reçoit aucun SMS
    Quand 1 heure passe
    Alors Chloé reçoit un SMS "Chloé, c'est les soldes : -15 % dans l'application avec le code SOLDES15" de "+33644630015"
    Et Alice reçoit un SMS "Alice, c'est les soldes : -15 % dans l'application avec le code SOLDES15"
    Et Bruno ne reçoit aucun SMS
    Et Bruno a été exclu à l'étape "rappel" du parcours "soldes-multicanal" avec SMSNoConsent 050104
    Et le chemin de Bruno dans le parcours "soldes-multicanal" est "offre, carte, accueil, annonce, venue, rappel, attente"
    Quand Chloé ouvre l'application "Shop"
    Alors Chloé ne voit aucun message in-app
    Et l'application "Shop" de Chloé montre aucune carte de contenu
    Et l'expérience "home#hero" de l'application "Shop" de Chloé montre "C'est les soldes : -15 % dans l'application"
    Et l'entonnoir de l'étape "rappel" du parcours "soldes-multicanal" est :
      | ciblés | exclus | envoyés | remis |
      | 3      | 1      | 2       | 2     |
    Et les raisons du rapport de l'étape "rappel" du parcours "soldes-multicanal" sont :
      | issue | raison       | code   | nombre |
      | exclu | SMSNoConsent | 050104 | 1      |
    Et le rapport du parcours "soldes-multicanal" est cohérent
    Et le rapport du parcours "soldes-multicanal" indique :
      | entered | active | ended | exited |
      | 3       | 3      | 0     | 0      |

  Scénario: La carte garde l'offre jusqu'à la fin du vendredi, puis elle disparaît
    Quand nous sommes mercredi 09:00
    Alors l'application "Shop" d'Alice montre les cartes de contenu "-15 % jusqu'à vendredi"
    Quand nous sommes vendredi 23:59 dans le fuseau horaire d'Alice
    Alors l'application "Shop" d'Alice montre les cartes de contenu "-15 % jusqu'à vendredi"
    Quand 1 minute passe
    Alors l'application "Shop" d'Alice montre aucune carte de contenu
    Et Alice est dans le parcours "soldes-multicanal" à l'étape "attente"
    Quand nous sommes lundi 09:00
    Alors Alice a terminé le parcours "soldes-multicanal"
    Et le rapport du parcours "soldes-multicanal" indique :
      | entered | active | ended |
      | 3       | 0      | 3     |

  Scénario: Une conversation WhatsApp répond à une question sur les soldes et passe la main à un conseiller
    Quand Alice écrit "Mon code marche sur les chaussures ?" sur WhatsApp
    Alors Alice reçoit un message WhatsApp "Le code SOLDES15 donne -15 % sur toute l'application jusqu'à vendredi"
    Et Alice a pris la branche "soldes" dans le parcours "service-client"
    Quand Alice touche "Un conseiller" dans la conversation WhatsApp
    Alors Alice reçoit un message WhatsApp "Bien sûr, Alice : un conseiller vous répond ici d'ici 10 minutes."
    Et le chemin d'Alice dans le parcours "service-client" est "sujet, reponse_soldes, suite, conseiller, fin"
    Quand Bruno écrit "Où est mon colis ?" sur WhatsApp
    Alors Bruno reçoit un message WhatsApp "Merci Bruno, nous avons bien reçu votre message"
    Quand Bruno touche "Non merci" dans la conversation WhatsApp
    Et 1 heure passe
    Alors Bruno a terminé le parcours "service-client"
    Et le chemin de Bruno dans le parcours "service-client" est "sujet, reponse_generale, suite, fin"
    Et le rapport du parcours "service-client" indique :
      | entered | ended |
      | 2       | 2     |
